"""How MLflow's server labels a downloaded artifact: an attachment, typed by its name.

Always an attachment, so that a browser never renders an artifact on the server's origin.
Names MLflow's web UI shows as text (``MLmodel``, ``requirements.txt``, ``.yaml``, ``.log``...)
are ``text/plain``; others get the type their extension says, else
``application/octet-stream``.  The type depends on the name only, so an empty file is typed
like a full one.
"""

from __future__ import annotations

import mimetypes
import posixpath
import unicodedata
from urllib.parse import quote

TEXT_EXTENSIONS = frozenset(
    {
        "txt", "log", "err", "cfg", "conf", "cnf", "cf", "ini", "properties", "prop",
        "hocon", "toml", "yaml", "yml", "xml", "json", "js", "py", "py3", "csv", "tsv",
        "md", "rst", "ipynb", "MLmodel", "MLproject",
    }
)  # fmt: skip
"""MLflow's text extensions (``mlflow/utils/mime_type_utils.py``); a name without an
extension is looked up whole (``MLmodel``)."""

_TOKEN_SAFE = "!#$&+-.^_`|~"


def media_type_of(path: str) -> str:
    name = posixpath.basename(path)
    extension = posixpath.splitext(name)[1].lstrip(".") or name
    if extension in TEXT_EXTENSIONS:
        return "text/plain"
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def content_disposition(name: str) -> str:
    """``attachment`` with the file's name (RFC 6266), an ASCII fallback beside the UTF-8
    form (RFC 5987) when the name is not ASCII."""
    ascii_name = (
        unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii") or "download"
    )
    fallback = '"' + ascii_name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if ascii_name == name:
        return f"attachment; filename={fallback}"
    return f"attachment; filename={fallback}; filename*=UTF-8''{quote(name, safe=_TOKEN_SAFE)}"
