"""The generated contract documents: a JSON Schema per event and one AsyncAPI document.

``scripts/gen-schemas`` writes them to ``schemas/generated``; a test fails when the
committed copies differ from what the models say.

>>> docs = documents()
>>> "asyncapi.json" in docs and "warning.signal.schema.json" in docs
True
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from schemas.topics import TOPIC_OF_EVENT, Topic, event_types

__all__ = ["GENERATED_DIR", "documents", "main"]

GENERATED_DIR = Path(__file__).resolve().parent.parent / "schemas" / "generated"

_TOPIC_DESCRIPTIONS = {
    Topic.WARNINGS: "Warning signals issued, updated or cancelled, keyed by scope.",
    Topic.RAINFALL: "Rain-gauge readings, keyed by station.",
    Topic.RESPONSES: "Response proposals, activations, level changes and ends, keyed by response.",
    Topic.NOTICES: "One notice per person per response change, keyed by person.",
    Topic.DELIVERIES: "Delivery attempts per channel, keyed by person.",
    Topic.ACKS: "Acknowledgements, keyed by person.",
    Topic.ESCALATIONS: "Escalation steps taken when nobody acknowledged, keyed by person.",
    Topic.DEADLETTER: "Inputs and messages that were refused, with the reason.",
    Topic.COMMANDS: (
        "Duty officers' decisions for the rules (confirm, reject, set or end a level) "
        "and manual notices for dispatch."
    ),
}


def _dump(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def documents() -> dict[str, str]:
    """Every generated document, by file name."""
    out: dict[str, str] = {}
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    for model in event_types():
        kind = model.model_fields["kind"].default
        schema = model.model_json_schema(mode="serialization")
        out[f"{kind}.schema.json"] = _dump(schema)
        messages[kind] = {
            "name": kind,
            "title": model.__name__,
            "summary": (model.__doc__ or "").strip().splitlines()[0],
            "contentType": "application/json",
            "headers": {
                "type": "object",
                "properties": {"kind": {"const": kind}, "schema_version": {"type": "string"}},
            },
            "payload": {"$ref": f"./{kind}.schema.json"},
        }
    for topic in Topic:
        kinds = [m.model_fields["kind"].default for m, t in TOPIC_OF_EVENT.items() if t is topic]
        channels[topic.value] = {
            "address": topic.value,
            "description": _TOPIC_DESCRIPTIONS[topic],
            "messages": {kind: {"$ref": f"#/components/messages/{kind}"} for kind in kinds},
        }
    out["asyncapi.json"] = _dump(
        {
            "asyncapi": "3.0.0",
            "info": {
                "title": "Sanfang event bus",
                "version": "1",
                "description": "Kafka topics of Sanfang. Every event carries event_id, kind, "
                "schema_version and a timezone-aware occurred_at.",
            },
            "defaultContentType": "application/json",
            "channels": channels,
            "components": {"messages": messages},
        }
    )
    return out


def main(argv: list[str] | None = None) -> int:
    """Write the documents (``--check``: only report whether the committed ones are stale)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 when a committed document is stale")
    args = parser.parse_args(argv)
    stale = []
    for name, text in documents().items():
        path = GENERATED_DIR / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    if args.check and stale:
        sys.stderr.write("stale: " + ", ".join(stale) + "\nrun scripts/gen-schemas\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
