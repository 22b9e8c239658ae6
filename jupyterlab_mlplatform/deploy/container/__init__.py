"""Container export of a model package: a build context (Dockerfile, the package, the scoring
server's source, Kubernetes and KServe manifests) as one ``.tar.gz``.

* ``context``: the archive and the files in it (framework-free: no tornado);
* ``manifests``: ``k8s.yaml`` (Deployment + Service) and ``kserve.yaml`` (InferenceService);
* ``handlers``: the REST routes (``deployments/{name}/container.tar.gz``, ``k8s.yaml``,
  ``runs/{run_id}/container.tar.gz``).

Building and running a context with buildah and podman is not shipped: it is a test and
bench helper, ``tests/deploy/container/localbuild.py``.
"""

from __future__ import annotations

from .context import (
    ContextSpec,
    extract_context,
    read_package_metadata,
    run_context_name,
    write_context,
    write_context_file,
)
from .manifests import VARIANTS, kserve_yaml, kubernetes_yaml

__all__ = [
    "VARIANTS",
    "ContextSpec",
    "extract_context",
    "kserve_yaml",
    "kubernetes_yaml",
    "read_package_metadata",
    "run_context_name",
    "write_context",
    "write_context_file",
]
