"""Checks of the ``levels`` and ``final_estimator`` parameters, run at ``fit``.

Every error names the parameter, the level and the bad value, in
scikit-learn's style. Nothing here runs in ``__init__`` or ``set_params``.
"""

from __future__ import annotations

from sklearn.base import clone
from sklearn.utils import get_tags

from skmgm._composition import is_drop, is_passthrough


def check_levels(levels, *, kind: str, owner: str, parameter_names) -> list:
    """The levels as checked ``(name, granularity, estimator)`` tuples.

    Parameters
    ----------
    levels : list
        The ``levels`` parameter (or the defaults).
    kind : {"classifier", "regressor"}
        What every level's estimator must be.
    owner : str
        The estimator's class name, for the messages.
    parameter_names : set of str
        The estimator's own parameters, which a level's name must not shadow.
    """
    if len(levels) == 0:
        raise ValueError(
            "levels must be a non-empty list of (name, granularity, "
            "estimator) triples; got an empty list."
        )
    seen = set()
    checked = []
    for position, level in enumerate(levels):
        if not isinstance(level, (list, tuple)) or len(level) != 3:
            raise TypeError(
                f"levels[{position}] must be a (name, granularity, estimator) "
                f"triple; got {level!r}."
            )
        name, granularity, estimator = level
        _check_level_name(position, name, owner, parameter_names, seen)
        seen.add(name)
        _check_granularity(name, granularity)
        _check_level_estimator(name, estimator, kind, owner)
        checked.append((name, granularity, estimator))
    if all(is_drop(estimator) for _, _, estimator in checked):
        raise ValueError(
            "Every level's estimator is 'drop'; at least one level needs an estimator."
        )
    return checked


def _check_level_name(position, name, owner, parameter_names, seen):
    if not isinstance(name, str):
        raise TypeError(
            f"levels[{position}]: a level's name must be a str; got {name!r}."
        )
    if "__" in name:
        raise ValueError(
            f"Level name {name!r} must not contain '__', which separates "
            "nested parameter names."
        )
    if name in parameter_names:
        raise ValueError(
            f"Level name {name!r} clashes with the parameter {name!r} of "
            f"{owner}; rename the level."
        )
    if name in seen:
        raise ValueError(f"Level name {name!r} is used twice; names must be unique.")


def _refuse_class(name, part, value):
    if isinstance(value, type):
        raise TypeError(
            f"Level {name!r}: {part} is the class {value.__name__}, "
            f"not an instance; pass {value.__name__}(...)."
        )


def _check_granularity(name, granularity):
    if is_passthrough(granularity):
        return
    _refuse_class(name, "granularity", granularity)
    if not (hasattr(granularity, "fit") and hasattr(granularity, "transform")):
        raise TypeError(
            f"Level {name!r}: granularity must be a transformer (with fit "
            f"and transform) or 'passthrough'; got {granularity!r}."
        )


def _check_level_estimator(name, estimator, kind, owner):
    if is_drop(estimator):
        return
    _refuse_class(name, "estimator", estimator)
    if not hasattr(estimator, "fit"):
        raise TypeError(
            f"Level {name!r}: estimator must be a scikit-learn estimator or "
            f"'drop'; got {estimator!r}."
        )
    if get_tags(estimator).estimator_type != kind:
        raise ValueError(
            f"Level {name!r}: estimator {estimator!r} is not a {kind}; {owner} "
            f"needs a {kind} (or 'drop') in every level."
        )


def check_final_estimator(final, *, kind: str):
    """A clone of ``final``, refused unless it is a ``kind``."""
    final = clone(final)
    if get_tags(final).estimator_type != kind:
        raise ValueError(f"final_estimator must be a {kind}; got {final!r}.")
    return final
