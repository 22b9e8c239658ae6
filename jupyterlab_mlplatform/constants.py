"""Names that more than one process relies on: the server, kernels, the scoring server.

Standard library only and no imports: kernels and the scoring server's runtime load it.
Changing a value here changes a wire format or a stored layout.
"""

from __future__ import annotations

API_ROOT = "mlplatform/api"
"""Where this extension's REST API is served, under the server's base URL."""
MLFLOW_API_ROOT = "mlplatform/mlflow"
"""Where the MLflow-compatible tracking API is served, under the server's base URL."""

MODEL_PACKAGE_FILE = "mlplatform_model.json"
"""The description of a model package, in the package's folder
(:class:`jupyterlab_mlplatform.deploy.model.ModelMetadata`)."""
MODELS_TAG = "mlplatform.models"
"""The run tag listing a run's model packages: ``[{"artifact_path": "model", "flavor": ...}]``."""

DEFAULT_EXPERIMENT_NAME = "Default"
"""The experiment a run without one goes to (MLflow's name for it)."""
DEFAULT_EXPERIMENT_ID = 0
"""The default experiment's id (MLflow's ``"0"``)."""
REPRODUCED_FROM_TAG = "mlplatform.reproduced_from"
"""The tag of a run made by a notebook reopened from another run: that run's id."""
