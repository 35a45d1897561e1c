"""Read a rules file from YAML text, pointing every problem at its line and field.

The caller reads the file; this module only parses the text it is handed.
"""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from schemas.rules import RuleConflict, RulesFile
from services.rules.domain.errors import Problem, RulesFileError

__all__ = ["load_rules"]

Loc = tuple[str | int, ...]

# What a value of each field is called in a message ("'pink' is not a colour").
_NOUNS = {
    "levels": "level",
    "decide": "decision",
    "unconfirmed_mappings": "decision",
    "otherwise": "decision",
}


def load_rules(text: str, *, source: str = "<rules>") -> RulesFile:
    """Parse and validate a rules file; raise :class:`RulesFileError` naming line and field.

    >>> rules = load_rules("id: demo\\nversion: 1\\n", source="demo.yaml")
    >>> (rules.id, rules.version)
    ('demo', '1')
    >>> try:
    ...     load_rules("id: demo\\nversion: 1\\nsignals:\\n  - {id: a, hazard: typhoon, colour: pink}\\n")
    ... except RulesFileError as exc:
    ...     print(str(exc.problems[0]).split(";")[0])
    <rules> line 4, signals[0].colour: 'pink' is not a colour
    """
    node, data = _parse(text, source)
    duplicates = list(_duplicate_keys(node, (), source))
    if duplicates:
        raise RulesFileError(duplicates)
    if not isinstance(data, dict):
        raise RulesFileError(
            [Problem(source, 1, "", "a rules file is a mapping with at least id and version")]
        )
    try:
        return RulesFile.model_validate(data)
    except ValidationError as exc:
        raise RulesFileError([_problem(error, node, source) for error in exc.errors()]) from exc


def _parse(text: str, source: str) -> tuple[Node | None, Any]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        context = exc.context_mark
        started = (
            f" ({exc.context} on line {context.line + 1})"
            if context is not None and context is not mark
            else ""
        )
        raise RulesFileError([Problem(source, line, "", f"not valid YAML: {exc.problem}{started}")]) from exc
    except yaml.YAMLError as exc:
        raise RulesFileError([Problem(source, 1, "", f"not valid YAML: {exc}")]) from exc
    finally:
        loader.dispose()
    return node, data


def _duplicate_keys(node: Node | None, loc: Loc, source: str) -> list[Problem]:
    problems: list[Problem] = []
    if isinstance(node, MappingNode):
        first: dict[str, int] = {}
        for key, value in node.value:
            if not isinstance(key, ScalarNode):
                continue
            line = key.start_mark.line + 1
            if key.value in first:
                problems.append(
                    Problem(
                        source,
                        line,
                        _path((*loc, key.value)),
                        f"duplicate key {key.value!r} (first on line {first[key.value]})",
                    )
                )
            first.setdefault(key.value, line)
            problems += _duplicate_keys(value, (*loc, key.value), source)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            problems += _duplicate_keys(item, (*loc, index), source)
    return problems


def _problem(error: ErrorDetails, root: Node | None, source: str) -> Problem:
    loc: Loc = tuple(error["loc"])
    ctx = error.get("ctx") or {}
    conflict = ctx.get("error")
    if isinstance(conflict, RuleConflict):
        return Problem(source, _line(root, conflict.loc), _path(conflict.loc), str(conflict))
    return Problem(source, _line(root, loc), _path(loc), _message(error, loc))


def _message(error: ErrorDetails, loc: Loc) -> str:
    kind = error["type"]
    value = error.get("input")
    expected = (error.get("ctx") or {}).get("expected", "")
    names = [part for part in loc if isinstance(part, str)]
    name = names[-1] if names else "value"
    if kind == "enum":
        noun = _NOUNS.get(name, name.replace("_", " "))
        return f"{value!r} is not a {noun}; expected {expected}"
    if kind == "literal_error":
        return f"{value!r} is not allowed here; expected {expected}"
    if kind == "missing":
        return "this field is required"
    if kind == "extra_forbidden":
        return f"unknown field {name!r}"
    if isinstance(value, dict | list):
        return str(error["msg"])
    return f"{error['msg']} (got {value!r})"


def _path(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _line(root: Node | None, loc: Loc) -> int:
    """The line of the deepest node ``loc`` reaches (a key's own line for mapping entries)."""
    if root is None:
        return 1
    line = root.start_mark.line + 1
    node: Node = root
    for part in loc:
        if isinstance(node, MappingNode) and isinstance(part, str):
            match = next(
                (kv for kv in node.value if isinstance(kv[0], ScalarNode) and kv[0].value == part), None
            )
            if match is None:
                break
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line
