"""Who ran each cell, written by the server into the live shared notebook, and the feed.

A real Jupyter server with jupyter-collaboration; people run cells through their own
authenticated kernel websockets (told apart by a test identity provider), exactly as
JupyterLab sends execute requests; the shared notebook is the server's live document.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from jupyter_server.auth import User
from pycrdt import Map

from jupyterlab_mlplatform.collab.models import CollabUser, ExecutionRecord

from ..autolog.notebook_kernel import NotebookKernel, open_notebook_kernel
from ..identities import HeaderIdentityProvider
from .ydoc_client import NotebookClient


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    """The collab tests' server (jupyter-collaboration loaded), with test users."""
    config = {key: dict(value) for key, value in jp_server_config.items()}
    config["ServerApp"]["identity_provider_class"] = HeaderIdentityProvider
    return config


def write_cells(path: Path, sources: list[str]) -> list[str]:
    notebook = nbformat.v4.new_notebook()
    for source in sources:
        notebook.cells.append(nbformat.v4.new_code_cell(source))
    nbformat.write(notebook, str(path))
    return [cell.id for cell in notebook.cells]


async def live_notebook(jp_serverapp: Any, path: str) -> Any:
    ydoc_app = jp_serverapp.web_app.settings["jupyter_server_ydoc"]
    return await ydoc_app.get_document(
        path=path, content_type="notebook", file_format="json", copy=False, create=True
    )


def read_saved(path: Path) -> Any:
    """The notebook as saved, or None while the server is writing it (jupyter_server's
    "atomic" writing rewrites the file in place, so a reader can find it empty)."""
    try:
        return nbformat.read(str(path), 4)
    except (ValueError, OSError):
        return None


def record_of(document: Any, index: int) -> dict[str, Any] | None:
    section = document.ycells[index]["metadata"].get("mlplatform")
    return section.get("execution") if isinstance(section, dict) else None


async def wait_for(predicate: Any, timeout: float = 60) -> Any:
    async with asyncio.timeout(timeout):
        while True:
            value = predicate()
            if value:
                return value
            await asyncio.sleep(0.05)


async def join(jp_ws_fetch: Any, kernel: NotebookKernel, user: str) -> NotebookKernel:
    ws = await jp_ws_fetch(
        "api", "kernels", kernel.kernel_id, "channels", headers={"X-Test-User": user}
    )
    other = NotebookKernel(ws, kernel.kernel_id, kernel.session_id)
    await other.ready()
    return other


async def test_each_execution_is_recorded_in_its_cell_with_the_runs_it_made(
    jp_fetch: Any, jp_ws_fetch: Any, jp_root_dir: Path, jp_serverapp: Any, mlp_app: Any
) -> None:
    # Given a shared notebook open for co-editing, and Alice and Bob on its kernel
    ids = write_cells(jp_root_dir / "churn.ipynb", ["x = 1", "y = 2", "z = 3"])
    document = await live_notebook(jp_serverapp, "churn.ipynb")
    alice = await open_notebook_kernel(
        jp_fetch, jp_ws_fetch, "churn.ipynb", headers={"X-Test-User": "alice"}
    )
    bob = await join(jp_ws_fetch, alice, "bob")

    # When Bob runs the second cell, which creates a run, and Alice the third
    made = await bob.run(
        "import jupyterlab_mlplatform as mlp\n"
        "with mlp.start_run(name='brave-owl-3'):\n"
        "    mlp.log_metric('val_acc', 0.91)\n"
        "    with mlp.start_run(name='a-child', nested=True):\n"
        "        pass\n",
        cell_id=ids[1],
    )
    assert made.ok, made.reply
    assert (await alice.run("z = 3", cell_id=ids[2])).ok

    # Then each cell's record names who ran it, with the run Bob's execution created
    bobs = await wait_for(lambda: (r := record_of(document, 1)) and r["status"] == "ok" and r)
    alices = await wait_for(lambda: (r := record_of(document, 2)) and r["status"] == "ok" and r)
    assert record_of(document, 0) is None
    bob_record = ExecutionRecord.model_validate(bobs)
    assert bob_record.user.username == "bob"
    assert bob_record.user.display_name == "Bob Test"
    assert bob_record.execution_count == made.reply["execution_count"]
    assert bob_record.kernel_id == alice.kernel_id
    assert bob_record.ended is not None and bob_record.ended >= bob_record.started
    (run_id,) = bob_record.runs  # its child run is listed by the parent, not the cell
    run = await mlp_app.tracking.get_run(run_id)
    assert run.name == "brave-owl-3"
    assert run.user == "Bob"
    assert (run.source.cell_id, run.source.cell_index) == (ids[1], 1)
    assert ExecutionRecord.model_validate(alices).user.color == "#ff8800"
    assert ExecutionRecord.model_validate(alices).runs == []
    # signed by the server for that cell
    assert mlp_app.attribution.signer.verified(ids[1], bobs) is not None

    # And the activity feed says the same, with the run and its metric
    response = await jp_fetch("mlplatform", "api", "activity")
    items = json.loads(response.body)["items"]
    executions = [i for i in items if i["kind"] == "execution" and i["cell_id"] == ids[1]]
    assert len(executions) == 1
    (item,) = executions
    assert item["user"]["username"] == "bob"
    assert (item["notebook_path"], item["cell_index"], item["status"]) == ("churn.ipynb", 1, "ok")
    assert [(r["name"], r["metrics"]) for r in item["runs"]] == [("brave-owl-3", {"val_acc": 0.91})]


async def test_the_record_is_saved_with_the_notebook(
    jp_fetch: Any, jp_ws_fetch: Any, jp_root_dir: Path, jp_serverapp: Any
) -> None:
    ids = write_cells(jp_root_dir / "saved.ipynb", ["a = 1"])
    await live_notebook(jp_serverapp, "saved.ipynb")
    alice = await open_notebook_kernel(
        jp_fetch, jp_ws_fetch, "saved.ipynb", headers={"X-Test-User": "alice"}
    )
    assert (await alice.run("a = 1", cell_id=ids[0])).ok

    def saved() -> Any:
        notebook = read_saved(jp_root_dir / "saved.ipynb")
        if notebook is None:
            return None
        record = notebook.cells[0].metadata.get("mlplatform", {}).get("execution")
        return record if record and record["status"] == "ok" else None

    record = await wait_for(saved)
    assert record["user"]["username"] == "alice"


class TestNotSaved:
    @pytest.fixture
    def mlp_app_config(self, mlp_app_config: dict[str, Any]) -> dict[str, Any]:
        return {**mlp_app_config, "attribution_saved": False}

    async def test_the_record_stays_out_of_the_file(
        self, jp_fetch: Any, jp_ws_fetch: Any, jp_root_dir: Path, jp_serverapp: Any
    ) -> None:
        ids = write_cells(jp_root_dir / "private.ipynb", ["a = 1", "b = 2"])
        document = await live_notebook(jp_serverapp, "private.ipynb")
        alice = await open_notebook_kernel(
            jp_fetch, jp_ws_fetch, "private.ipynb", headers={"X-Test-User": "alice"}
        )
        assert (await alice.run("print('saved output')", cell_id=ids[0])).ok
        await wait_for(lambda: (r := record_of(document, 0)) and r["status"] == "ok")
        # the live document has it; once the room saved the cell's new source...
        document.set_cell(1, source="b = 3")

        def saved() -> Any:
            notebook = read_saved(jp_root_dir / "private.ipynb")
            return notebook.cells if notebook and notebook.cells[1].source == "b = 3" else None

        cells = await wait_for(saved)
        # ...the file has no record
        assert "mlplatform" not in cells[0].metadata
        assert record_of(document, 0) is not None


async def test_executions_outside_a_room_still_reach_the_feed(
    jp_fetch: Any, jp_ws_fetch: Any, jp_root_dir: Path, mlp_app: Any
) -> None:
    # A notebook nobody has open for co-editing: nothing to write into, but the feed
    # still says who ran what.
    ids = write_cells(jp_root_dir / "closed.ipynb", ["q = 1"])
    carol = await open_notebook_kernel(
        jp_fetch, jp_ws_fetch, "closed.ipynb", headers={"X-Test-User": "carol"}
    )
    assert (await carol.run("q = 1", cell_id=ids[0])).ok

    def item() -> Any:
        page = mlp_app.activity.page(limit=50)
        return next((i for i in page.items if i.cell_id == ids[0] and i.status == "ok"), None)

    found = await wait_for(item)
    assert found.user == CollabUser.from_identity(
        User(username="carol", name="Carol", display_name="Carol Test")
    )
    assert (found.notebook_path, found.cell_index) == ("closed.ipynb", None)
    content = nbformat.read(str(jp_root_dir / "closed.ipynb"), 4)
    assert "mlplatform" not in content.cells[0].metadata


def execution_in(client: NotebookClient, index: int) -> dict[str, Any] | None:
    section = client.cell(index)["metadata"].get("mlplatform")
    return section.get("execution") if isinstance(section, dict) else None


async def test_co_editors_see_the_record_and_the_run_at_once(
    jp_fetch: Any,
    jp_ws_fetch: Any,
    mlp_notebook: Any,
    mlp_collaborators: Any,
    mlp_app: Any,
) -> None:
    # Given Alice and Bob co-editing a notebook through real websocket clients
    mlp_notebook("team.ipynb", ["x = 1", "y = 2"])
    alice_doc, _bob_doc = await mlp_collaborators("team.ipynb", ["alice", "bob"])
    ids = alice_doc.cell_ids()
    bob = await open_notebook_kernel(
        jp_fetch, jp_ws_fetch, "team.ipynb", headers={"X-Test-User": "bob"}
    )

    # When Bob runs the first cell, which creates a run
    made = await bob.run(
        "import jupyterlab_mlplatform as mlp\n"
        "with mlp.start_run(name='shared-run'):\n"
        "    mlp.log_metric('loss', 0.5)\n",
        cell_id=ids[0],
    )
    assert made.ok, made.reply

    # Then Alice's copy of the notebook has Bob's record with the run, from the server
    await alice_doc.wait_for(
        lambda: (r := execution_in(alice_doc, 0)) is not None and r["status"] == "ok",
        "Alice sees who ran the cell",
    )
    record = ExecutionRecord.model_validate(execution_in(alice_doc, 0))
    assert record.user.username == "bob"
    (run_id,) = record.runs
    assert (await mlp_app.tracking.get_run(run_id)).name == "shared-run"
    assert mlp_app.attribution.signer.verified(ids[0], execution_in(alice_doc, 0))


async def test_a_record_forged_by_a_co_editor_never_stays(
    mlp_notebook: Any, mlp_collaborators: Any, mlp_app: Any
) -> None:
    # Given Alice and Bob co-editing, and a record the server signed for the first cell
    mlp_notebook("forged.ipynb", ["x = 1", "y = 2"])
    alice_doc, bob_doc = await mlp_collaborators("forged.ipynb", ["alice", "bob"])
    ids = alice_doc.cell_ids()
    genuine = mlp_app.attribution.signer.sign(
        ids[0],
        ExecutionRecord(
            user=CollabUser(username="alice", name="Alice", display_name="Alice"),
            started=1,
            kernel_id="k",
        ),
    ).model_dump(mode="json")

    # When Bob's client writes records of its own: one claiming Alice ran the second cell
    # (with a signature copied from the first), and a forged signature
    bob_doc.notebook.ycells[1]["metadata"]["mlplatform"] = {"execution": genuine}
    bob_doc.notebook.ycells[0]["metadata"]["mlplatform"] = {
        "execution": {**genuine, "sig": "0" * 32}
    }

    # Then the server undoes both, for everyone, Bob included
    for client in (alice_doc, bob_doc):
        await client.wait_for(
            lambda c=client: execution_in(c, 0) is None and execution_in(c, 1) is None,
            f"{client!r} has no forged record",
        )
    assert mlp_app.attribution.guard.removed == 2


@pytest.mark.parametrize(
    "mlp_collab_config", [{"YDocExtension": {"document_save_delay": None}}], indirect=True
)
async def test_the_autolog_switch_is_read_from_the_live_room(
    mlp_notebook: Any, mlp_collaborators: Any, mlp_api: Any, jp_root_dir: Path
) -> None:
    # Given a notebook open for co-editing (never saved, so the file cannot answer)
    mlp_notebook("switch.ipynb", ["x = 1"])
    (alice_doc,) = await mlp_collaborators("switch.ipynb", ["alice"])
    _, before = await mlp_api("GET", "autolog", path="switch.ipynb")
    assert before["enabled"] is True

    # When Alice switches tracking off in her copy (as the notebook toolbar does)
    meta = alice_doc.notebook.ydoc.get("meta", type=Map)
    metadata = meta["metadata"]
    metadata["mlplatform"] = {"autolog": False}

    # Then the server reads it from the room at once, not from the file
    async def switched_off() -> bool:
        _, status = await mlp_api("GET", "autolog", path="switch.ipynb")
        return status["enabled"] is False and status["reason"] == "notebook"

    await wait_for_async(switched_off)
    saved = nbformat.read(str(jp_root_dir / "switch.ipynb"), 4)
    assert "mlplatform" not in saved.metadata

    # And back on
    metadata["mlplatform"] = {"autolog": True}

    async def switched_on() -> bool:
        _, status = await mlp_api("GET", "autolog", path="switch.ipynb")
        return status["enabled"] is True

    await wait_for_async(switched_on)


async def wait_for_async(predicate: Any, timeout: float = 30) -> None:
    async with asyncio.timeout(timeout):
        while not await predicate():
            await asyncio.sleep(0.05)
