"""MLflow's tracking REST API, served by the platform and written into its store.

Kernels get ``MLFLOW_TRACKING_URI={server}mlplatform/mlflow`` and a token, so unmodified
``mlflow`` code (``mlflow.autolog()`` included) logs runs that show in the Experiments panel
like any other.  Layers: :mod:`.models` (MLflow's JSON), :mod:`.translate` (pure;
its filters are parsed and evaluated by :mod:`..tracking.search`), :mod:`.base` and the ``*_handlers`` modules (tornado).
"""
