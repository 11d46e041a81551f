"""How a trainer's dataset columns become a group's Reference.

The rule (DEFAULT_COLUMNS): each Reference field takes the first of its
columns that the row has with a value other than None:

    answer           <- answer, solution, ground_truth   (a number becomes its text)
    target_language  <- target_language
    tests            <- tests      (a dict in the Tests JSON shape, or that JSON as text)
    metadata         <- metadata   (a dict)

Override it per field with `columns={"answer": "final_answer"}` (a column
name, a tuple of names tried in order, or None to leave the field unset), or
replace it with `reference=lambda row: {...}` returning a Reference dict.
A solution column is fine as `answer`: the math verifier reads a reference
like an answer (its \\boxed{} value, its `#### 72` tail, its final-answer
phrase).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Optional, Union

DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "answer": ("answer", "solution", "ground_truth"),
    "target_language": ("target_language",),
    "tests": ("tests",),
    "metadata": ("metadata",),
}

Columns = Mapping[str, Union[str, tuple, list, None]]


def _plain(value: Any) -> Any:
    """numpy scalars and arrays (verl's and datasets' columns) as Python values."""
    tolist = getattr(value, "tolist", None)
    return tolist() if callable(tolist) else value


def resolve_columns(columns: Optional[Columns]) -> dict[str, tuple[str, ...]]:
    rule = dict(DEFAULT_COLUMNS)
    for field, names in (columns or {}).items():
        if field not in DEFAULT_COLUMNS:
            raise ValueError(f"columns: unknown Reference field '{field}' (known: {', '.join(DEFAULT_COLUMNS)})")
        rule[field] = () if names is None else ((names,) if isinstance(names, str) else tuple(names))
    return rule


def reference_from_row(row: Mapping[str, Any], columns: Optional[Columns] = None,
                       field: str = "row") -> dict:
    """The Reference dict (JSON shape) of one dataset row by the rule above.
    ValueError naming the column when a value does not fit its field."""
    out: dict = {}
    for name, candidates in resolve_columns(columns).items():
        for column in candidates:
            value = _plain(row.get(column))
            if value is None:
                continue
            where = f"{field}['{column}']"
            if name == "answer":
                if isinstance(value, bool) or not isinstance(value, (str, int, float, list, tuple)):
                    raise ValueError(f"{where}: an answer must be text or a number, not {type(value).__name__}")
                out["answer"] = (", ".join(str(v) for v in value) if isinstance(value, (list, tuple))
                                 else str(value))
            elif name == "tests":
                if isinstance(value, str):
                    try:
                        value = json.loads(value)
                    except ValueError as e:
                        raise ValueError(f"{where}: not JSON: {e}") from None
                if not isinstance(value, Mapping):
                    raise ValueError(f"{where}: tests must be a dict in the Tests JSON shape")
                out["tests"] = dict(value)
            elif name == "metadata":
                if not isinstance(value, Mapping):
                    raise ValueError(f"{where}: metadata must be a dict")
                out["metadata"] = dict(value)
            else:
                if not isinstance(value, str):
                    raise ValueError(f"{where}: must be text (a BCP-47 tag)")
                out["targetLanguage"] = value
            break
    return out


ReferenceRule = Union[None, Columns, Callable[[Mapping[str, Any]], Mapping]]


def make_reference_fn(reference: ReferenceRule = None, columns: Optional[Columns] = None):
    """reference(row) -> Reference dict: the caller's function, or the column rule."""
    if callable(reference):
        return lambda row, field="row": dict(reference(row) or {})
    if reference is not None:
        raise ValueError("reference: a function row -> Reference dict (use columns= for a column mapping)")
    rule = resolve_columns(columns)
    return lambda row, field="row": reference_from_row(row, rule, field)
