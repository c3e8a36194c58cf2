"""The text pipeline: UTF-8 validation, normalization and tokens with kinds and flags."""

from __future__ import annotations

from typing import List, NamedTuple, Union

from . import _attune

MAX_TEXT_BYTES: int = _attune.MAX_TEXT_BYTES


class Token(NamedTuple):
    """One token: normalized ``text``, ``kind`` ("word", "emoji", ...), ``flags`` (e.g.
    ``["negated"]``), and its ``offset``/``length`` in bytes of the UTF-8 input."""

    text: str
    kind: str
    flags: List[str]
    offset: int
    length: int


def tokenize(text: Union[str, bytes], replace_invalid: bool = False) -> List[Token]:
    """Tokenize ``text`` (``str``, or ``bytes`` holding UTF-8).

    Raises ``ValueError`` for malformed UTF-8 (naming the byte offset) unless
    ``replace_invalid`` is true, and for input above ``MAX_TEXT_BYTES``.
    """
    if isinstance(text, (bytes, bytearray, memoryview)):
        data = bytes(text)
    elif isinstance(text, str):
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError as e:  # lone surrogates have no UTF-8 form
            if not replace_invalid:
                raise ValueError(f"text is not valid UTF-8: {e}") from None
            data = text.encode("utf-8", "replace")
    else:
        raise ValueError(f"text must be str or bytes, not {type(text).__name__}")
    raw = _attune.tokenize_bytes(data, replace_invalid)
    return [Token(*t) for t in raw]


def normalize(text: str) -> str:
    """Lower-cased, elongation-folded tokens joined by single spaces."""
    if not isinstance(text, str):
        raise ValueError(f"text must be str, not {type(text).__name__}")
    return _attune.normalize(text)
