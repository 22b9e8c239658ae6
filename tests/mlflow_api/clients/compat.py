"""Unmodified mlflow client calls whose answers MLflow 3's own server gives (its
``tests/tracking/test_rest_tracking.py`` is the reference): the default experiment, tag
filters, run inputs, logged models' metrics, tags and source runs, dataset searches.

Prints one JSON object with what the client saw.
"""

from __future__ import annotations

import json

import mlflow
import pandas as pd
from mlflow import MlflowClient
from mlflow.entities import LoggedModelInput

facts: dict[str, object] = {}
client = MlflowClient()

# -- the default experiment "0" exists before anything is logged ----------------------------
default = client.get_experiment("0")
facts["default_by_id"] = [default.experiment_id, default.name]
facts["default_by_name"] = client.get_experiment_by_name("Default").experiment_id
facts["searched_ids"] = [e.experiment_id for e in client.search_experiments()]

# -- tag != matches only experiments that have the tag ---------------------------------------
tagged_v = client.create_experiment("tagged-v", tags={"k": "v"})
tagged_w = client.create_experiment("tagged-w", tags={"k": "w"})
client.create_experiment("untagged")
facts["tag_not_v"] = [e.name for e in client.search_experiments(filter_string="tag.k != 'v'")]
facts["tag_is_v"] = [e.name for e in client.search_experiments(filter_string="tag.k = 'v'")]

# -- run inputs: datasets and models, returned by runs/get ----------------------------------
mlflow.set_experiment(experiment_id=tagged_v)
frame = pd.DataFrame({"x": [1.0, 2.0], "y": [0, 1]})
train = mlflow.data.from_pandas(frame, name="train", targets="y")
with mlflow.start_run() as run:
    mlflow.log_input(train, context="training")
    mlflow.log_input(train, context="training")  # again: stored once
model = client.create_logged_model(tagged_v, name="m", tags={"team": "a"})
client.log_inputs(run.info.run_id, models=[LoggedModelInput(model.model_id)])
got = client.get_run(run.info.run_id)
facts["dataset_inputs"] = [
    {
        "name": i.dataset.name,
        "digest": i.dataset.digest,
        "source_type": i.dataset.source_type,
        "schema": bool(i.dataset.schema),
        "tags": {t.key: t.value for t in i.tags},
    }
    for i in got.inputs.dataset_inputs
]
facts["train_digest"] = train.digest
facts["model_inputs"] = [m.model_id for m in got.inputs.model_inputs]
facts["model_id"] = model.model_id

# -- logged models: exact tags, any source run, metrics logged with a model_id -------------
facts["model_tags"] = dict(model.tags)
orphan = client.create_logged_model(tagged_v, name="orphan", source_run_id="f" * 32)
facts["orphan_source"] = orphan.source_run_id
client.log_metric(
    run.info.run_id,
    "acc",
    0.9,
    step=1,
    model_id=model.model_id,
    dataset_name="eval",
    dataset_digest="abc",
)
client.log_metric(run.info.run_id, "acc", 0.4, step=1, model_id=orphan.model_id)
metrics = client.get_logged_model(model.model_id).metrics
facts["model_metrics"] = [
    [m.key, m.value, m.step, m.run_id, m.model_id, m.dataset_name, m.dataset_digest]
    for m in metrics
]
facts["run_metric_acc"] = client.get_run(run.info.run_id).data.metrics["acc"]


def names(**kwargs: object) -> list[str]:
    return sorted(m.name for m in client.search_logged_models(experiment_ids=[tagged_v], **kwargs))


def names_in_order(**kwargs: object) -> list[str]:
    return [m.name for m in client.search_logged_models(experiment_ids=[tagged_v], **kwargs)]


facts["search_all"] = names()
facts["search_eval"] = names(datasets=[{"dataset_name": "eval"}])
facts["search_eval_digest"] = names(datasets=[{"dataset_name": "eval", "dataset_digest": "abc"}])
facts["search_eval_other_digest"] = names(
    datasets=[{"dataset_name": "eval", "dataset_digest": "zzz"}]
)
facts["search_acc_over"] = names(filter_string="metrics.acc > 0.5")
facts["search_acc_any"] = names(filter_string="metrics.acc > 0.1")
facts["search_acc_on_eval"] = names(
    filter_string="metrics.acc > 0.1", datasets=[{"dataset_name": "eval"}]
)
facts["order_acc_desc"] = names_in_order(
    order_by=[{"field_name": "metrics.acc", "ascending": False}]
)
facts["order_acc_asc"] = names_in_order(order_by=[{"field_name": "metrics.acc", "ascending": True}])
facts["order_acc_on_eval_asc"] = names_in_order(
    order_by=[{"field_name": "metrics.acc", "ascending": True, "dataset_name": "eval"}]
)
facts["order_name"] = names_in_order(order_by=[{"field_name": "name", "ascending": False}])
facts["tagged_v"] = tagged_v
facts["tagged_w"] = tagged_w

print(json.dumps(facts))
