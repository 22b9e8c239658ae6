"""``mlflow.sklearn.autolog()`` and MLflow 3's logged models, loaded back for predictions.

Prints one JSON object with what the test checks against the server's store.
"""

from __future__ import annotations

import json
import warnings

import mlflow
import numpy as np
from mlflow import MlflowClient
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

warnings.filterwarnings("ignore")
facts: dict[str, object] = {}
client = MlflowClient()
X, y = load_iris(return_X_y=True)

# autolog: params, training metrics, the model, the run's own artifacts
mlflow.set_experiment("sklearn")
mlflow.sklearn.autolog()
with mlflow.start_run(run_name="autologged") as auto:
    auto_model = LogisticRegression(max_iter=300, C=0.5).fit(X, y)
mlflow.sklearn.autolog(disable=True)
facts["auto_run"] = auto.info.run_id
auto_loaded = mlflow.sklearn.load_model(f"runs:/{auto.info.run_id}/model")
facts["auto_same"] = bool((auto_loaded.predict(X) == auto_model.predict(X)).all())
facts["auto_outputs"] = [o.model_id for o in client.get_run(auto.info.run_id).outputs.model_outputs]

# log_model by hand, then load it back with pyfunc and with the sklearn flavor
with mlflow.start_run(run_name="manual") as manual:
    model = LogisticRegression(max_iter=300).fit(X, y)
    mlflow.log_param("max_iter", 300)
    # Requirements given: inferring them imports the model in a subprocess (seconds).
    info = mlflow.sklearn.log_model(
        model, name="clf", input_example=X[:3], pip_requirements=["scikit-learn"]
    )
facts["manual_run"] = manual.info.run_id
facts["model_id"] = info.model_id
facts["model_uri"] = info.model_uri
expected = model.predict(X)
by_pyfunc = mlflow.pyfunc.load_model(info.model_uri).predict(X)
by_sklearn = mlflow.sklearn.load_model(info.model_uri).predict(X)
by_run_uri = mlflow.pyfunc.load_model(f"runs:/{manual.info.run_id}/clf").predict(X)
facts["pyfunc_same"] = bool(np.array_equal(by_pyfunc, expected))
facts["sklearn_same"] = bool(np.array_equal(by_sklearn, expected))
facts["run_uri_same"] = bool(np.array_equal(by_run_uri, expected))

logged = client.get_logged_model(info.model_id)
facts["logged"] = {
    "name": logged.name,
    "status": str(logged.status),
    "source_run_id": logged.source_run_id,
    "params": logged.params,
    "artifact_location": logged.artifact_location,
}
found = client.search_logged_models(
    experiment_ids=[manual.info.experiment_id], filter_string="name = 'clf'"
)
facts["search"] = [m.model_id for m in found]
facts["files"] = sorted(f.path for f in client.list_logged_model_artifacts(info.model_id))
client.set_logged_model_tags(info.model_id, {"reviewed": "yes"})
facts["tags"] = client.get_logged_model(info.model_id).tags
print(json.dumps(facts))
