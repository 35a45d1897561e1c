"""Parsing untrusted JSON: bounded size, no NaN/Infinity, every failure a :class:`Rejected`.

>>> load_json(b'{"a": 1}', max_bytes=100)
{'a': 1}
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

from services.ingest.errors import Rejected

__all__ = ["load_json"]


def load_json(body: bytes, *, max_bytes: int) -> Any:
    """Decode ``body`` (UTF-8, or UTF-16/32 with a BOM) into Python values.

    ``NaN`` and ``Infinity`` are refused: they are not JSON, and a NaN rainfall would
    pass every comparison-based check.

    >>> load_json(b"[NaN]", max_bytes=100)
    Traceback (most recent call last):
    ...
    services.ingest.errors.Rejected: invalid_json: NaN is not a JSON number
    """
    if len(body) > max_bytes:
        raise Rejected("too_large", f"document is {len(body)} bytes; the limit is {max_bytes}", status=413)
    try:
        return json.loads(body, parse_constant=_refuse_constant)
    except Rejected:
        raise
    except (ValueError, UnicodeError, RecursionError) as exc:
        # ValueError covers JSONDecodeError and Python's limit on huge integer literals.
        raise Rejected("invalid_json", f"not valid JSON: {str(exc)[:200]}") from exc


def _refuse_constant(name: str) -> NoReturn:
    raise Rejected("invalid_json", f"{name} is not a JSON number")
