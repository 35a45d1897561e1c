r"""Identifiers that come from outside (a warning's id, the ids it references): letters,
digits, ``.``, ``_``, ``:`` and ``-`` only, so that no NUL, markup, space or control character
reaches a log line, a page, a dead letter's summary or a database key. CAP identifiers,
GB/T 35965.1 ids and URNs fit.

>>> from pydantic import TypeAdapter
>>> TypeAdapter(ExternalId).validate_python("44030041600000_20240504064500")
'44030041600000_20240504064500'
>>> [EXTERNAL_ID.fullmatch(bad) for bad in ("w1<script>", "w1\x00", "w 1", "")]
[None, None, None, None]
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

__all__ = ["EXTERNAL_ID", "ExternalId"]

EXTERNAL_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def _checked(value: str) -> str:
    if not EXTERNAL_ID.fullmatch(value):
        # The value is not repeated here: it may be markup, and pydantic shows the input anyway.
        raise ValueError("an identifier is 1 to 128 letters, digits, '.', '_', ':' or '-'")
    return value


ExternalId = Annotated[str, AfterValidator(_checked)]
"""A ``str`` restricted to :data:`EXTERNAL_ID` (an after-validator: the JSON Schema stays a string)."""
