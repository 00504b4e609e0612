"""Checks shared by the views' parameters."""

from __future__ import annotations


def check_options(
    owner: str, param: str, value, allowed, *, allow_empty: bool = False
) -> tuple:
    """``value`` (one name or several) as a tuple, each name one of ``allowed``.

    The error names the transformer, the parameter, its value and the names it
    does not know.
    """
    names = (value,) if isinstance(value, str) else tuple(value)
    unknown = [name for name in names if name not in allowed]
    if unknown or not (names or allow_empty):
        raise ValueError(
            f"{owner}: {param}={value!r} holds unknown names {unknown}; choose "
            f"one or more of {sorted(allowed)}."
        )
    return names
