"""The one page-token format of every search (runs, experiments, logged models, metric
history): an opaque, URL-safe token that holds the offset of the next page and a short hash
of the query it pages, so that it works with that query only.

A token we did not make, or one of another search (a different filter, order_by,
experiments, view or entity kind), is an :class:`InvalidArgument` (a 400) whose message
starts with ``Invalid page_token``.  The page size may change between pages.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Sequence
from typing import Final, TypeVar

from jupyterlab_mlplatform import bounded_json
from jupyterlab_mlplatform.errors import InvalidArgument
from jupyterlab_mlplatform.tracking.models import SearchRuns, ViewType

__all__ = [
    "decode_page_token",
    "encode_page_token",
    "fingerprint",
    "page",
    "query_fingerprint",
]

T = TypeVar("T")

_TOKEN_RE: Final = re.compile(r"^[A-Za-z0-9_-]{1,200}$")
_MAX_OFFSET: Final = 2**53


def fingerprint(*parts: object) -> str:
    """A short hash of what a search asks for (JSON-able parts; never the page size)."""
    material = json.dumps(list(parts), separators=(",", ":"))
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def query_fingerprint(
    filter_string: str | None,
    order_by: Sequence[str],
    experiment_ids: Sequence[str | int],
    view: ViewType | str | None = None,
) -> str:
    """The fingerprint of a run search (experiment ids in any order)."""
    view_name = view.value if isinstance(view, ViewType) else view
    return fingerprint(
        filter_string or "", list(order_by), sorted(str(e) for e in experiment_ids), view_name
    )


def _fingerprint(query: SearchRuns | str) -> str:
    if isinstance(query, str):
        return query
    return query_fingerprint(
        query.filter, query.order_by, query.experiment_ids, query.run_view_type
    )


def encode_page_token(offset: int, query: SearchRuns | str) -> str:
    """An opaque, URL-safe token for the page that starts at ``offset``.

    ``query`` is the run search, or any search's :func:`fingerprint`: the token only works
    with it.
    """
    if not 0 <= offset <= _MAX_OFFSET:
        raise InvalidArgument("page offset out of range")
    payload = json.dumps({"offset": offset, "q": _fingerprint(query)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode("ascii").rstrip("=")


def decode_page_token(token: str, query: SearchRuns | str) -> int:
    """The offset in a token from :func:`encode_page_token` for the same search.

    Raises :class:`InvalidArgument` for anything else: garbage, or a token of another search.
    """
    invalid = InvalidArgument("Invalid page_token: it was not returned by this search")
    if not _TOKEN_RE.match(token):
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = bounded_json.loads(raw)
    except (ValueError, binascii.Error):
        raise invalid from None
    if not isinstance(data, dict) or set(data) != {"offset", "q"}:
        raise invalid
    offset, found = data["offset"], data["q"]
    if (
        isinstance(offset, bool)
        or not isinstance(offset, int)
        or not 0 <= offset <= _MAX_OFFSET
        or not isinstance(found, str)
    ):
        raise invalid
    if found != _fingerprint(query):
        raise InvalidArgument(
            "Invalid page_token: it belongs to a search with a different filter, order_by, "
            "experiments or view; search again without a page_token"
        )
    return offset


def page(
    items: Sequence[T], token: str | None, size: int, query: str
) -> tuple[list[T], str | None]:
    """One page of ``items`` (all of a search's results, in order) and the token of the next
    (None on the last page); ``query`` is the search's :func:`fingerprint`."""
    offset = decode_page_token(token, query) if token else 0
    end = offset + size
    return list(items[offset:end]), (encode_page_token(end, query) if end < len(items) else None)
