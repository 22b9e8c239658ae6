"""The activity feed: bounded, paged newest first, published live, kept across restarts."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from jupyterlab_mlplatform.collab.activity import ActivityFeed
from jupyterlab_mlplatform.collab.models import ActivityEvent, CollabUser
from jupyterlab_mlplatform.errors import InvalidArgument

ALICE = CollabUser(username="alice", name="Alice", display_name="Alice")


def add(feed: ActivityFeed, path: str) -> int:
    return feed.add(kind="execution", user=ALICE, notebook_path=path, cell_id="c").id


def test_pages_are_newest_first_and_chain_by_id(tmp_path: Path) -> None:
    feed = ActivityFeed(tmp_path / "activity.jsonl")
    ids = [add(feed, f"n{i}.ipynb") for i in range(7)]
    first = feed.page(limit=3)
    assert [i.id for i in first.items] == ids[::-1][:3]
    second = feed.page(limit=3, before=first.next_before)
    assert [i.id for i in second.items] == ids[::-1][3:6]
    last = feed.page(limit=3, before=second.next_before)
    assert [i.id for i in last.items] == [ids[0]]
    assert last.next_before is None
    feed.close()


def test_changes_are_published_as_events(tmp_path: Path) -> None:
    events: list[ActivityEvent] = []
    feed = ActivityFeed(None, events.append)
    item_id = add(feed, "a.ipynb")
    feed.update(item_id, execution_count=3)
    feed.update(item_id, execution_count=3)  # no change: no event
    assert [(e.type, e.item.id, e.item.execution_count) for e in events] == [
        ("activity_added", item_id, None),
        ("activity_updated", item_id, 3),
    ]
    feed.close()


def test_the_feed_keeps_its_limit_and_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "activity.jsonl"
    feed = ActivityFeed(path, limit=5)
    ids = [add(feed, f"n{i}.ipynb") for i in range(12)]
    feed.update(ids[-1], execution_count=42)
    feed.close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600

    again = ActivityFeed(path, limit=5)
    page = again.page(limit=50)
    assert [i.id for i in page.items] == ids[::-1][:5]
    assert page.items[0].execution_count == 42
    # ids go on from where they were, never reused
    assert add(again, "next.ipynb") == ids[-1] + 1
    again.close()
    # the file was compacted: not one line per change ever made
    assert len(path.read_text().splitlines()) <= 2 * 5 + 1


def test_a_torn_last_line_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "activity.jsonl"
    feed = ActivityFeed(path)
    first = add(feed, "a.ipynb")
    feed.close()
    with path.open("a") as file:
        file.write('{"id": 2, "time": 1, "kind": "exec')  # a crash mid-append
    again = ActivityFeed(path)
    assert [i.id for i in again.page().items] == [first]
    assert add(again, "b.ipynb") == first + 1
    again.close()


@pytest.mark.parametrize("limit", [0, 501])
def test_page_sizes_are_bounded(limit: int) -> None:
    with pytest.raises(InvalidArgument):
        ActivityFeed(None).page(limit=limit)


def test_unknown_items(tmp_path: Path) -> None:
    feed = ActivityFeed(None)
    assert feed.update(99, execution_count=1) is None
    assert feed.page().items == []


async def test_activity_rest_route(mlp_app: Any, jp_fetch: Any) -> None:
    # Given two items, When the feed is read through the REST API
    ids = [add(mlp_app.activity, "a.ipynb"), add(mlp_app.activity, "b.ipynb")]
    response = await jp_fetch("mlplatform", "api", "activity", params={"limit": "1"})
    page = json.loads(response.body)
    # Then the newest comes first and the next page is named
    assert [i["id"] for i in page["items"]] == [ids[1]]
    assert page["next_before"] == ids[1]
    response = await jp_fetch(
        "mlplatform", "api", "activity", params={"before": str(page["next_before"])}
    )
    assert [i["id"] for i in json.loads(response.body)["items"]] == [ids[0]]


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "x"}, {"before": "-1"}])
async def test_activity_rest_route_rejects_bad_queries(
    mlp_api: Any, params: dict[str, str]
) -> None:
    status, body = await mlp_api("GET", "activity", **params)
    assert status == 400
    assert "message" in body
