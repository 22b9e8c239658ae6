"""JSON text from requests, parsed with bounded nesting: one parser for every JSON that
arrives inside a request rather than as its body (page tokens, MLflow's ``model_json``, a
scoring request's body).

Request bodies are parsed by pydantic (``model_validate_json``), whose parser stops at
:data:`MAX_DEPTH` levels; the standard library's ``json.loads`` has no such limit and raises
``RecursionError`` a few thousand levels down, which no ``except ValueError`` catches.  This
module uses the same parser as the bodies, so a deep document is a ``ValueError`` like any
other malformed JSON.
"""

from __future__ import annotations

from typing import Any

import pydantic_core

MAX_DEPTH = 200
"""Nesting levels accepted (pydantic-core's fixed limit; deeper is a ``ValueError``)."""


def loads(text: str | bytes) -> Any:
    """The value ``text`` holds, as ``json.loads`` reads it (``NaN`` and ``Infinity`` too).

    Raises ``ValueError`` for anything that is not JSON, including documents nested deeper
    than :data:`MAX_DEPTH` and bytes that are not UTF-8; the message gives the line and column.
    """
    return pydantic_core.from_json(text)
