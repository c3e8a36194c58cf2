"""The tamper-evident audit log: verify a log file, write records, compute pseudonyms.

The format, the hash chain, pseudonymization and the threat model are described in
docs/audit.md. In short: one JSON object per line, ``seq`` consecutive from 1, ``prev`` the
SHA-256 of the previous line, ``hash`` the SHA-256 of the line itself; no raw text (fields named
text/message/raw/body/content and strings over 256 bytes are refused) and customer ids only as
pseudonyms (``pseudonymize``).

Thread-safety: one ``AuditLog`` may be shared by threads (appends are serialized, in ``seq``
order); ``verify`` and ``pseudonymize`` keep no state.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Mapping, Optional, Tuple, Union

from . import _attune

KINDS = tuple(_attune.AUDIT_KINDS)
MAX_STRING_BYTES: int = _attune.AUDIT_MAX_STRING_BYTES

PathLike = Union[str, "os.PathLike[str]"]


def _path(path: PathLike) -> str:
    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"path must be str or os.PathLike, not {type(path).__name__}")
    return os.fspath(path)


def verify(path: PathLike, anchor: Optional[Union[Mapping[str, Any], Tuple[int, str]]] = None) -> Dict[str, Any]:
    """Verify the audit log at ``path``.

    Returns ``{"ok", "lines", "first_bad_line", "reason", "head": {"seq", "hash"}}``;
    ``first_bad_line`` (1-based, 0 when ok) is the first altered, inserted, removed or reordered
    line. ``anchor`` is a head recorded earlier (``{"seq", "hash"}`` or ``(seq, hash)``): the line
    with that seq must still hash to it. Raises ``attune.AttuneError`` (status ``not_found`` or
    ``io_error``) when the file cannot be read.
    """
    seq, digest = 0, ""
    if anchor is not None:
        if isinstance(anchor, Mapping):
            seq, digest = int(anchor["seq"]), str(anchor["hash"])
        else:
            seq, digest = int(anchor[0]), str(anchor[1])
        if seq < 1:
            raise ValueError("anchor seq must be >= 1")
    return _attune.audit_verify(_path(path), seq, digest)


def pseudonymize(salt: Union[bytes, str], customer_id: str) -> str:
    """Pseudonym of ``customer_id``: first 32 hex characters of HMAC-SHA-256(salt, id).

    ``salt`` is the operator's secret (at least 16 bytes; ``str`` is encoded as UTF-8). For a log
    whose salt was generated, use ``read_salt(log_path)``.
    """
    if isinstance(salt, str):
        salt = salt.encode("utf-8")
    if not isinstance(salt, (bytes, bytearray)):
        raise ValueError(f"salt must be bytes or str, not {type(salt).__name__}")
    if not isinstance(customer_id, str):
        raise ValueError(f"customer_id must be str, not {type(customer_id).__name__}")
    return _attune.audit_pseudonymize(bytes(salt), customer_id)


def read_salt(log_path: PathLike) -> bytes:
    """The generated salt kept beside a log (``<log_path>.salt``)."""
    return _attune.audit_read_salt_file(_path(log_path) + ".salt")


class AuditLog:
    """Append-only, hash-chained audit log (opens and verifies an existing file).

    ``salt``: the operator's secret for pseudonyms (bytes/str, >= 16 bytes); ``None`` loads or
    creates ``<path>.salt``. ``fsync``: ``"every_record"`` (default) or ``"none"``.
    ``on_broken``: ``"fail"`` (default), ``"truncate_torn_tail"`` or ``"start_new"``.
    Usable as a context manager (closes the file and releases its lock).
    """

    def __init__(self, path: PathLike, salt: Optional[Union[bytes, str]] = None,
                 fsync: str = "every_record", on_broken: str = "fail") -> None:
        if isinstance(salt, str):
            salt = salt.encode("utf-8")
        if salt is not None and not isinstance(salt, (bytes, bytearray)):
            raise ValueError(f"salt must be bytes, str or None, not {type(salt).__name__}")
        self._log = _attune.AuditLog(_path(path), None if salt is None else bytes(salt), fsync, on_broken)

    def append(self, kind: str, time_ms: int, fields: Optional[Mapping[str, Any]] = None) -> int:
        """Append one record of ``kind`` (one of ``KINDS``) at ``time_ms`` (ms since the epoch)
        with ``fields`` (a JSON-serializable mapping; no raw text, customer ids only as
        pseudonyms). Returns its ``seq``. Raises ``ValueError`` for refused records (nothing is
        written)."""
        if fields is None:
            fields = {}
        if not isinstance(fields, Mapping):
            raise ValueError(f"fields must be a mapping, not {type(fields).__name__}")
        if isinstance(time_ms, bool) or not isinstance(time_ms, int):
            raise ValueError("time_ms must be an int (milliseconds since the epoch)")
        try:
            text = json.dumps(dict(fields), allow_nan=False, ensure_ascii=False)
        except (TypeError, ValueError) as e:
            raise ValueError(f"fields are not JSON-serializable: {e}") from None
        return self._log.append(kind, time_ms, text)

    def pseudonymize(self, customer_id: str) -> str:
        """Pseudonym of ``customer_id`` under this log's salt (32 hex characters)."""
        if not isinstance(customer_id, str):
            raise ValueError(f"customer_id must be str, not {type(customer_id).__name__}")
        return self._log.pseudonymize(customer_id)

    def head(self) -> Dict[str, Any]:
        """``{"seq", "hash"}`` of the last line; record it elsewhere to anchor the log."""
        seq, digest = self._log.head()
        return {"seq": seq, "hash": digest}

    def sync(self) -> None:
        self._log.sync()

    def close(self) -> None:
        self._log.close()

    @property
    def path(self) -> str:
        return self._log.path

    @property
    def is_open(self) -> bool:
        return self._log.is_open

    @property
    def set_aside_path(self) -> str:
        """Where opening moved a broken file or a torn tail ("" if nothing was moved)."""
        return self._log.set_aside_path

    def __enter__(self) -> "AuditLog":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"AuditLog({self.path!r}, head={self.head()})"
