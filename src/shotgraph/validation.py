"""Pydantic validation errors as users read them: the field as they wrote it, and what is allowed.

Every place that validates user values (op params from the CLI, a project file, a Python call;
the project file's own sections) reports through :func:`explain`, so every validation error has
one format: ``OP: FIELD: what is allowed (got VALUE)`` on one line, with no pydantic URL.
How a field is named depends on where the value came from (``--crf`` on the command line,
``deliverables.web.video.crf`` in a project); callers pass that naming as a function.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

Loc = tuple[str | int, ...]

_KINDS = {
    "int_parsing": "a whole number", "int_type": "a whole number", "int_from_float": "a whole number",
    "float_parsing": "a number", "float_type": "a number", "finite_number": "a finite number",
    "bool_parsing": "true or false", "bool_type": "true or false",
    "string_type": "text", "list_type": "a list", "tuple_type": "a list", "dict_type": "a mapping",
    "model_type": "a mapping", "model_attributes_type": "a mapping", "none_required": "left out",
}
_BOUNDS = {"greater_than": (">", "gt"), "greater_than_equal": (">=", "ge"), "less_than": ("<", "lt"),
           "less_than_equal": ("<=", "le"), "multiple_of": ("a multiple of", "multiple_of")}


@dataclass(frozen=True)
class Problem:
    loc: Loc  # the field, as pydantic located it in the validated values
    message: str  # what is wrong and what is allowed, without the field's name


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _allowed_fields(model: type[BaseModel] | None, loc: Loc) -> list[str]:
    """The field names a model accepts at ``loc`` (its parent's fields), for 'did you mean'."""
    for part in loc[:-1]:
        if model is None:
            return []
        field = model.model_fields.get(str(part)) if isinstance(part, str) else None
        annotation = field.annotation if field is not None else None
        model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    if model is None:
        return []
    return [field.alias or name for name, field in model.model_fields.items()]


def describe(error: dict, model: type[BaseModel] | None = None) -> str:
    """One pydantic error dict as 'what is allowed (got ...)'."""
    kind, ctx, given = error["type"], error.get("ctx") or {}, error.get("input")
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        allowed = _allowed_fields(model, tuple(error["loc"]))
        close = difflib.get_close_matches(str(error["loc"][-1]), allowed, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else (f"; known: {', '.join(allowed)}" if allowed else "")
        return f"is not a known field{hint}"
    if kind == "literal_error" or kind == "enum":
        return f"must be one of {ctx.get('expected', '?')} (got {_shown(given)})"
    if kind in _BOUNDS:
        sign, key = _BOUNDS[kind]
        bound = ctx.get(key)
        return f"must be {sign} {f'{bound:g}' if isinstance(bound, float) else bound} (got {_shown(given)})"
    if kind in ("too_short", "too_long"):
        return error["msg"].replace("Input should", "must").replace("Value should", "must") + f" (got {_shown(given)})"
    if kind in _KINDS:
        return f"must be {_KINDS[kind]} (got {_shown(given)})"
    if kind.startswith(("value_error", "assertion_error")):
        return str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return str(error["msg"]).replace("Input should", "must")


def explain(error: ValidationError, model: type[BaseModel] | None = None) -> list[Problem]:
    return [Problem(tuple(e["loc"]), describe(e, model)) for e in error.errors(include_url=False)]


def first_problem(error: ValidationError, model: type[BaseModel] | None = None,
                  name: Callable[[Loc], str] | None = None) -> str:
    """The first problem as ``FIELD: message``, plus how many more there are. ``name`` turns a
    location into the field as the user wrote it (default: dotted, ``video.crf``)."""
    problems = explain(error, model)
    first = problems[0]
    field = (name or dotted)(first.loc)
    more = len(problems) - 1
    tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{field + ': ' if field else ''}{first.message}{tail}"


def dotted(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else ("." if text else "") + str(part)
    return text
