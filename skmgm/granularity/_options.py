"""Checks shared by the views' parameters."""

from __future__ import annotations


def check_options(
    owner: str, param: str, value, allowed, *, allow_empty: bool = False
) -> tuple:
    """``value`` (one name or several) as a tuple, each name one of ``allowed``.

    The error names the transformer, the parameter, its value and the names it
    does not know, or names twice.
    """
    names = (value,) if isinstance(value, str) else tuple(value)
    unknown = [name for name in names if name not in allowed]
    twice = sorted({name for name in names if names.count(name) > 1})
    if unknown:
        what = f"holds unknown names {unknown}"
    elif twice:  # each name once: twice would give columns of one name
        what = f"names {twice} more than once"
    elif not (names or allow_empty):
        what = "is empty"
    else:
        return names
    raise ValueError(
        f"{owner}: {param}={value!r} {what}; choose one or more of {sorted(allowed)}."
    )
