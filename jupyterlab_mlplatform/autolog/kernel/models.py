"""Trained models as deployable model packages (``deploy.model``), read into memory for
upload: the same package ``mlp.log_model`` writes, with ``created_by="autolog"``.

Cheap in the cell: the input example is at most :data:`EXAMPLE_ROWS` rows of the training
data, the parity sample (the model's predictions kept for deployments to be checked by) at
most :data:`PARITY_ROWS` more, the requirements come from ``importlib.metadata`` alone.  Objects of no known
library are not saved (the generic cloudpickle flavor is for explicit ``log_model`` only).
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from dataclasses import dataclass, field
from typing import Any

from .safety import log

EXAMPLE_ROWS = 5
PARITY_ROWS = 1000
"""Training rows kept with the example for the parity check of deployments."""


@dataclass
class SavedModel:
    files: dict[str, bytes]
    """The package's files but ``mlplatform_model.json``, which is ``description``."""
    description: dict[str, Any] = field(default_factory=dict)


def input_example(data: Any, rows: int = EXAMPLE_ROWS) -> Any:
    """The first ``rows`` rows of training data, when they are a table or an array (else
    None)."""
    if data is None:
        return None
    module = type(data).__module__.split(".")[0]
    try:
        if module == "pandas" and hasattr(data, "iloc") and getattr(data, "ndim", 0) == 2:
            return data.iloc[:rows]
        if module in ("numpy", "torch") and getattr(data, "ndim", 0) >= 2:
            return data[:rows]
    except Exception:  # noqa: BLE001 - data we cannot slice: no example
        log.debug("No input example from a %s", type(data).__name__, exc_info=True)
    return None


_warned_skops = False


def save_model(
    model: Any, run_id: str, example: Any = None, training: Any = None
) -> SavedModel | None:
    """``model`` as a model package, or None when it is of no library we save.  ``training``:
    up to :data:`PARITY_ROWS` training rows for the package's parity sample."""
    global _warned_skops
    from ...deploy.model import METADATA_FILE, ModelPackageError
    from ...deploy.model import save_model as save_package
    from ...deploy.model.flavors import detect_flavor

    try:
        flavor = detect_flavor(model)
    except ModelPackageError:
        return None
    if flavor == "python":
        return None
    if flavor == "sklearn" and importlib.util.find_spec("skops") is None:
        if not _warned_skops:
            _warned_skops = True
            log.warning(
                "scikit-learn models are not saved: install skops to save them safely "
                "(pip install skops)."
            )
        return None
    with tempfile.TemporaryDirectory(prefix="mlp-model-") as temp:
        folder = os.path.join(temp, "model")
        try:
            metadata = save_package(
                model,
                folder,
                input_example=example,
                run_id=run_id,
                created_by="autolog",
                training_data=training,
            )
        except (TypeError, ValueError) as e:  # an example we cannot describe: go without
            if example is None:
                raise
            log.debug("Saving the model without its input example: %s", e)
            folder = os.path.join(temp, "plain")
            metadata = save_package(model, folder, run_id=run_id, created_by="autolog")
        files: dict[str, bytes] = {}
        for name in sorted(os.listdir(folder)):
            if name != METADATA_FILE:
                with open(os.path.join(folder, name), "rb") as handle:
                    files[name] = handle.read()
    return SavedModel(files, metadata.model_dump(mode="json"))
