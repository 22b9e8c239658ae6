"""Kubernetes names and label values made from free text (a deployment's name, a tag).

Rules (Kubernetes' ``apimachinery/pkg/util/validation``):

* an object name here is an RFC 1035 label (``DNS-1035``): ``[a-z]([-a-z0-9]*[a-z0-9])?``,
  at most 63 characters.  A Service and a KServe ``InferenceService`` need that form (a
  Deployment would take a DNS-1123 label, which may start with a digit), so every object of
  an export uses it and they all share one name;
* a label value: empty, or ``[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?``, at most 63.

Both functions are deterministic and keep a value that is already valid as it is.  A value
that has to be cut keeps a short hash of the original, so two long names that share their
first 54 characters still give two names.
"""

from __future__ import annotations

import hashlib
import re

MAX_LENGTH = 63
NAME_PREFIX = "model-"
"""Put before a name that does not start with a letter (``1st-try`` -> ``model-1st-try``)."""

NAME = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$")

_NOT_NAME = re.compile(r"[^a-z0-9]+")
_NOT_LABEL = re.compile(r"[^-A-Za-z0-9_.]+")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def _fit(value: str, original: str, separators: str) -> str:
    """``value`` cut to :data:`MAX_LENGTH` with a hash of ``original`` at the end."""
    if len(value) <= MAX_LENGTH:
        return value
    head = value[: MAX_LENGTH - 9].rstrip(separators)
    return f"{head}-{_digest(original)}"


def resource_name(text: str) -> str:
    """An RFC 1035 label for ``text``: lower case, ``-`` for every run of other characters,
    ``model-`` before a leading digit, cut to 63 characters (with a hash when cut)."""
    if NAME.fullmatch(text):
        return text
    name = _NOT_NAME.sub("-", text.lower()).strip("-")
    if not name:
        return f"{NAME_PREFIX}{_digest(text)}"
    if not name[0].isalpha():
        name = NAME_PREFIX + name
    return _fit(name, text, "-")


def label_value(text: str) -> str:
    """A valid label value for ``text``: ``-`` for every run of characters a label value
    cannot hold, no leading or trailing ``-``, ``_`` or ``.``, cut to 63 (with a hash)."""
    if LABEL_VALUE.fullmatch(text):
        return text
    value = _NOT_LABEL.sub("-", text).strip("-_.")
    return _fit(value, text, "-_.")


__all__ = ["LABEL_VALUE", "MAX_LENGTH", "NAME", "label_value", "resource_name"]
