"""The raw text of refused rows of a gauge body, from the paths their rejections name.

>>> row_texts(b"station_id,rainfall_mm\\nBA004,1\\nG9,2\\n", "text/csv", ["line[3].station_id"])
['station_id,rainfall_mm\\nG9,2']
>>> row_texts(b'{"readings": [{"a": 1}, {"b": 2}]}', "application/json", ["readings[1]"])
['{"b": 2}']
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

__all__ = ["row_texts"]

_CSV_LINE = re.compile(r"^line\[(\d+)\]")
_JSON_ITEM = re.compile(r"^(?:readings)?\[(\d+)\]")


def row_texts(body: bytes, media_type: str, paths: Sequence[str]) -> list[str]:
    """For each path, the header and named line of a CSV body, or the named item of a JSON one.

    A path that names no row (the body was refused whole) gives the whole body. The body
    is decoded once, however many rows were refused.
    """
    if not paths:
        return []
    text = body.decode("utf-8-sig", errors="replace")
    if "json" in media_type:
        items = _json_items(text)
        return [_json_row(items, path, text) for path in paths]
    lines = text.splitlines()
    return [_csv_row(lines, path, text) for path in paths]


def _csv_row(lines: list[str], path: str, whole: str) -> str:
    match = _CSV_LINE.match(path)
    if match and 1 < int(match[1]) <= len(lines):
        return f"{lines[0]}\n{lines[int(match[1]) - 1]}"
    return whole


def _json_items(text: str) -> list[Any] | None:
    try:
        document = json.loads(text)
    except ValueError:
        return None
    items = document.get("readings") if isinstance(document, dict) else document
    return items if isinstance(items, list) else None


def _json_row(items: list[Any] | None, path: str, whole: str) -> str:
    match = _JSON_ITEM.match(path)
    if match and items is not None and int(match[1]) < len(items):
        return json.dumps(items[int(match[1])], ensure_ascii=False)
    return whole
