"""The small serving runtime: one scoring-server process (or pre-forked group) per deployment.

Imports only the standard library, tornado, pydantic, numpy, pandas,
``jupyterlab_mlplatform.deploy.model`` and the package's ``bounded_json`` and ``errors``
modules: it is copied into serving images without JupyterLab.

* ``server``: the process entry point and its contract (CLI, JSON event lines, exit codes);
* ``app``: the tornado application (routes, auth, errors);
  ``scoring_errors``: its error answers, in MLflow's scoring-server shape;
* ``formats``: MLflow's request formats, read into ``deploy.model``'s input validator;
* ``batching``: predict calls and adaptive micro-batching; ``metrics``: Prometheus;
* ``keys``: the API keys file the deployment manager writes; ``scoring_openapi``: its OpenAPI
  document;
* ``forkserver``: the warm fork server the deployment manager starts scoring servers from
  (it imports scikit-learn and skops once, then forks a child per server);
  ``imports``: the import guard; ``lifetime``: children that die with their parent;
  ``atomic``: files replaced atomically (the keys file, and the manager's state).
"""

from __future__ import annotations
