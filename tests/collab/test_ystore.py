"""The YStore's defaults (folder, squash), user config winning over them, and a squash that
keeps the document."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Doc, Text
from traitlets.config import Config

from jupyterlab_mlplatform.collab.ystore import SQUASH_AFTER_INACTIVITY, MLPlatformYStore
from tests.collab.on_disk import sql

LOG = logging.getLogger("test")
DAY = 24 * 60 * 60


def test_defaults_come_from_the_data_dir_and_user_config_wins(tmp_path: Path) -> None:
    store_class = MLPlatformYStore.for_server(Config(), tmp_path)
    store = store_class(path="doc", log=LOG)
    assert store.db_path == str(tmp_path / "ystore.db")
    assert store.squash_after_inactivity_of == SQUASH_AFTER_INACTIVITY == DAY

    config = Config(
        {"SQLiteYStore": {"db_path": str(tmp_path / "mine.db"), "squash_after_inactivity_of": 5}}
    )
    # Built without config (as get_document(create=True) does): the server's config applies
    store = MLPlatformYStore.for_server(config, tmp_path)(path="doc", log=LOG)
    assert (store.db_path, store.squash_after_inactivity_of) == (str(tmp_path / "mine.db"), 5)

    never = Config({"SQLiteYStore": {"squash_after_inactivity_of": None}})
    assert MLPlatformYStore.for_server(never, tmp_path)(path="d").squash_after_inactivity_of is None
    # the deprecated name of the same setting
    ttl = Config({"SQLiteYStore": {"document_ttl": 60}})
    assert MLPlatformYStore.for_server(ttl, tmp_path)(path="d").squash_after_inactivity_of == 60


async def test_squashing_keeps_the_document(tmp_path: Path) -> None:
    # Given a document whose history is older than the inactivity period
    store_class = MLPlatformYStore.for_server(Config(), tmp_path)
    doc = Doc()
    text = doc.get("t", type=Text)
    updates: list[bytes] = []
    doc.observe(lambda event: updates.append(event.update))
    for word in ("hello", " shared", " world"):
        text += word
    async with store_class(path="nb", log=LOG) as store:
        for update in updates:
            await store.write(update)
    sql(tmp_path / "ystore.db", "UPDATE yupdates SET timestamp = timestamp - ?", 2 * DAY)

    # When it is edited again (the write that squashes the history)
    updates.clear()
    text += "!"
    async with store_class(path="nb", log=LOG) as store:
        for update in updates:
            await store.write(update)

        # Then the history is one update plus the new one, and the document is whole
        assert sql(tmp_path / "ystore.db", "SELECT count(*) FROM yupdates WHERE path = 'nb'") == [
            (2,)
        ]
        read = Doc()
        await store.apply_updates(read)
    assert str(read.get("t", type=Text)) == "hello shared world!"


# -- in a server -------------------------------------------------------------------------


def _ydoc_app(serverapp: Any) -> Any:
    return serverapp.web_app.settings["jupyter_server_ydoc"]


async def _room_store(serverapp: Any, path: str) -> Any:
    """The store of a room opened by the server itself (no client)."""
    ydoc_app = _ydoc_app(serverapp)
    document = await ydoc_app.get_document(
        path=path, content_type="notebook", file_format="json", copy=False, create=True
    )
    assert document is not None
    file_id = serverapp.web_app.settings["file_id_manager"].get_id(path)
    return ydoc_app.ywebsocket_server.rooms[f"json:notebook:{file_id}"].ystore


async def test_the_server_keeps_its_co_editing_state_in_the_data_dir(
    jp_serverapp: Any,
    mlp_data_dir: Path,
    jp_root_dir: Path,
    mlp_notebook: Any,
    mlp_collaborators: Any,
) -> None:
    collab = mlp_data_dir / "collaboration"
    assert collab.stat().st_mode & 0o777 == 0o700
    ydoc_app = _ydoc_app(jp_serverapp)
    assert issubclass(ydoc_app.ystore_class, MLPlatformYStore)
    assert ydoc_app.session_store_path == str(collab / "sessions.json")

    # A notebook opened by a client, and one opened by the server alone
    await mlp_collaborators(mlp_notebook("by-client.ipynb", ["1"]), ["alice"])
    store = await _room_store(jp_serverapp, mlp_notebook("by-server.ipynb", ["2"]))

    assert store.db_path == str(collab / "ystore.db")
    assert store.squash_after_inactivity_of == DAY
    assert sorted(p.name for p in collab.iterdir()) == [
        "attribution.key",
        "sessions.json",
        "sessions.json.ystore-identity",
        "ystore.db",
    ]
    # nothing where upstream would have put it
    assert not (jp_root_dir / ".jupyter").exists()
    assert not Path(".jupyter_ystore.db").exists()


@pytest.fixture
def mlp_collab_config(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """The parameter's config sections, ``{tmp}`` standing for the test's tmp_path."""
    sections: dict[str, dict[str, Any]] = getattr(request, "param", {})
    return {
        section: {
            key: value.format(tmp=tmp_path) if isinstance(value, str) else value
            for key, value in values.items()
        }
        for section, values in sections.items()
    }


STORE_TRAITS = {"SQLiteYStore": {"db_path": "{tmp}/mine/y.db", "squash_after_inactivity_of": 7}}
EXTENSION_TRAITS = {
    "YDocExtension": {
        "session_store_path": "{tmp}/mine/sessions.json",
        "ystore_class": "jupyter_server_ydoc.stores.TempFileYStore",
    }
}


@pytest.mark.parametrize("mlp_collab_config", [STORE_TRAITS], indirect=True)
async def test_the_users_store_settings_win(
    jp_serverapp: Any, mlp_notebook: Any, mlp_data_dir: Path, tmp_path: Path
) -> None:
    store = await _room_store(jp_serverapp, mlp_notebook("a.ipynb", ["1"]))
    assert store.db_path == str(tmp_path / "mine" / "y.db")
    assert store.squash_after_inactivity_of == 7
    # ... and our defaults hold for what the user did not set
    assert isinstance(store, MLPlatformYStore)
    sessions = _ydoc_app(jp_serverapp).session_store_path
    assert sessions == str(mlp_data_dir / "collaboration" / "sessions.json")


@pytest.mark.parametrize("mlp_collab_config", [EXTENSION_TRAITS], indirect=True)
async def test_the_users_extension_settings_win(
    jp_serverapp: Any, mlp_data_dir: Path, tmp_path: Path
) -> None:
    ydoc_app = _ydoc_app(jp_serverapp)
    assert ydoc_app.session_store_path == str(tmp_path / "mine" / "sessions.json")
    assert ydoc_app.ystore_class.__name__ == "TempFileYStore"
    assert not (mlp_data_dir / "collaboration" / "ystore.db").exists()
    assert not (mlp_data_dir / "collaboration" / "sessions.json").exists()


@pytest.mark.parametrize(
    "mlp_collab_config",
    [{"YDocExtension": {"ystore_class": "jupyterlab_mlplatform.collab.ystore.MLPlatformYStore"}}],
    indirect=True,
)
async def test_our_store_chosen_explicitly_is_bound_to_the_server_too(
    jp_serverapp: Any, mlp_notebook: Any, mlp_data_dir: Path
) -> None:
    store = await _room_store(jp_serverapp, mlp_notebook("a.ipynb", ["1"]))
    assert store.db_path == str(mlp_data_dir / "collaboration" / "ystore.db")
