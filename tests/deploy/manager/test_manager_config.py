"""The deployment manager's configuration: its own traits (``c.DeploymentManager.*``), the
``deployment_manager_class`` of the app, and the deprecated ``c.MLPlatformApp.deploy_*``
traits that still work and say what replaces them."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from traitlets.config import Config

from jupyterlab_mlplatform.app import DEPRECATED_DEPLOY_TRAITS, MLPlatformApp
from jupyterlab_mlplatform.deploy.manager import DeploymentManager


class CustomManager(DeploymentManager):
    """A deployment manager of one's own, chosen by ``deployment_manager_class``."""


@pytest.fixture
def mlp_app_config(mlp_data_dir: Path) -> dict[str, Any]:
    return {
        "data_dir": str(mlp_data_dir),
        "deployment_manager_class": f"{__name__}.CustomManager",
        "deploy_health_interval": 0.7,  # deprecated, alone: used
        "deploy_stop_grace": 4.0,  # deprecated, and the new trait is set too: ignored
    }


@pytest.fixture
def mlp_deployment_config() -> dict[str, Any]:
    return {"forkserver": False, "stop_grace": 3.0, "queue_limit": 7}


async def test_the_app_builds_the_configured_manager_class_with_its_traits(mlp_app: Any) -> None:
    manager = mlp_app.deployments
    assert type(manager) is CustomManager
    assert manager.queue_limit == 7 and manager.supervisor.forkserver is None
    assert manager.health_interval == 0.7 and manager.stop_grace == 3.0
    assert manager.list_deployments() == []


def _app(config: dict[str, Any], caplog: pytest.LogCaptureFixture) -> MLPlatformApp:
    logger = logging.getLogger("mlplatform-config-test")
    with caplog.at_level(logging.WARNING, logger=logger.name):
        return MLPlatformApp(log=logger, config=Config(config))


@pytest.mark.parametrize("old", sorted(DEPRECATED_DEPLOY_TRAITS))
def test_each_deprecated_deploy_trait_reaches_the_manager_with_a_warning(
    old: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    new = DEPRECATED_DEPLOY_TRAITS[old]
    default = DeploymentManager.class_traits()[new].default_value
    value: Any
    if isinstance(default, str):
        value = "::1"
    elif isinstance(default, bool):
        value = not default
    else:
        value = default + 1
    app = _app({"MLPlatformApp": {old: value}}, caplog)

    manager = DeploymentManager(tmp_path, tracking=None, parent=app)

    assert getattr(manager, new) == value
    assert f"MLPlatformApp.{old} is deprecated: use DeploymentManager.{new}" in caplog.text


def test_the_new_trait_wins_over_the_deprecated_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = {
        "MLPlatformApp": {"deploy_queue_timeout": 5.0},
        "DeploymentManager": {"queue_timeout": 9.0},
    }
    manager = DeploymentManager(tmp_path, tracking=None, parent=_app(config, caplog))
    assert manager.queue_timeout == 9.0


def test_unset_deprecated_traits_say_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    manager = DeploymentManager(tmp_path, tracking=None, parent=_app({}, caplog))
    assert manager.health_interval == 5.0 and manager.forkserver
    assert "deprecated" not in caplog.text


def test_the_manager_imports_neither_tornado_nor_jupyter_server() -> None:
    import subprocess
    import sys

    code = (
        "import sys, jupyterlab_mlplatform.deploy.manager\n"
        "print(sorted({'tornado', 'jupyter_server', 'numpy'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_deprecated_value_equal_to_the_new_ones_string_is_not_called_ignored(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from traitlets.config.loader import DeferredConfigString

    # Given DeploymentManager.forkserver set from the command line (a string until read)
    logger = logging.getLogger("mlplatform-config-test")
    config = Config({"DeploymentManager": {"forkserver": DeferredConfigString("False")}})
    app = MLPlatformApp(log=logger, config=config)
    with caplog.at_level(logging.WARNING, logger=logger.name):
        # When the deprecated trait gets the same value, nothing is said
        app.deploy_forkserver = False
        assert "Ignoring" not in caplog.text
        # And when it gets another, it is said to be ignored
        app.config["DeploymentManager"]["host"] = DeferredConfigString("127.0.0.2")
        app.deploy_host = "::2"
    assert "Ignoring the deprecated MLPlatformApp.deploy_host" in caplog.text
