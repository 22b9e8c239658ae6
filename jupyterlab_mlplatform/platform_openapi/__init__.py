"""The platform's own REST document: ``GET mlplatform/api/openapi.json``.

* ``document``: the OpenAPI 3 document, built from ``OPERATIONS`` and the wire models
  (framework-free);
* ``handlers``: the route that serves it.

A scoring server's document is another one, ``deploy/serving/scoring_openapi.py``.
"""

from __future__ import annotations

from .document import OPERATIONS, Operation, build_openapi

__all__ = ["OPERATIONS", "Operation", "build_openapi"]
