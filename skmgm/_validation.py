"""Checks of the ``levels`` and ``final_estimator`` parameters, and of the
input they are fitted on, run at ``fit``.

Every error names the parameter, the level and the bad value, in
scikit-learn's style. Nothing here runs in ``__init__`` or ``set_params``.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.utils import get_tags
from sklearn.utils.validation import check_consistent_length

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
        check_granularity(f"Level {name!r}: granularity", granularity)
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


def _refuse_class(what, value):
    if isinstance(value, type):
        raise TypeError(
            f"{what} is the class {value.__name__}, not an instance; pass "
            f"{value.__name__}(...)."
        )


def check_granularity(what: str, granularity) -> None:
    """Refuse a granularity that is neither a transformer nor "passthrough";
    ``what`` names it in the message (``"Level 'a': granularity"``)."""
    if is_passthrough(granularity):
        return
    _refuse_class(what, granularity)
    if not (hasattr(granularity, "fit") and hasattr(granularity, "transform")):
        raise TypeError(
            f"{what} must be a transformer (with fit and transform) or "
            f"'passthrough'; got {granularity!r}."
        )


def check_estimator(what: str, estimator, *, or_drop: bool = False) -> None:
    """Refuse an estimator that is a class or has no ``fit``; ``what`` names
    it in the message (``"Level 'a': estimator"``)."""
    _refuse_class(what, estimator)
    if not hasattr(estimator, "fit"):
        alternative = " or 'drop'" if or_drop else ""
        raise TypeError(
            f"{what} must be a scikit-learn estimator{alternative}; got {estimator!r}."
        )


def _check_level_estimator(name, estimator, kind, owner):
    if is_drop(estimator):
        return
    check_estimator(f"Level {name!r}: estimator", estimator, or_drop=True)
    if get_tags(estimator).estimator_type != kind:
        raise ValueError(
            f"Level {name!r}: estimator {estimator!r} is not a {kind}; {owner} "
            f"needs a {kind} (or 'drop') in every level."
        )


def check_level_names(parameter: str, value, levels) -> None:
    """Refuse a list of level names (``value`` of ``parameter``) that names
    levels that do not exist; a string or ``None`` is not a list."""
    if value is None or isinstance(value, str):
        return
    unknown = sorted(set(value) - {name for name, _, _ in levels})
    if unknown:
        raise ValueError(
            f"{parameter}={value!r} names levels that do not exist: "
            f"{unknown}; the levels are {[name for name, _, _ in levels]}."
        )


def check_final_estimator(final, *, kind: str):
    """A clone of ``final``, refused unless it is a ``kind``."""
    _refuse_class("final_estimator", final)
    final = clone(final)
    if get_tags(final).estimator_type != kind:
        raise ValueError(f"final_estimator must be a {kind}; got {final!r}.")
    return final


def check_y_given(owner: str, X, y) -> None:
    """Refuse a missing ``y``, or one of another length than ``X``, before
    either estimator reads ``y`` (an empty ``y`` would pass for one class)."""
    if y is None:
        raise ValueError(
            f"This {owner} estimator requires y to be passed, but the target y is None."
        )
    check_consistent_length(X, y)


def check_partition(cv, splits, n_samples: int) -> None:
    """Refuse folds whose test rows are not every sample once: the
    out-of-fold predictions need one per row."""
    if not splits:
        raise ValueError(
            f"cv={cv!r} gave no splits: a generator of splits is used up by one "
            "fit; pass a list of them, or a splitter."
        )
    test_rows = np.sort(np.concatenate([test for _, test in splits]))
    if not np.array_equal(test_rows, np.arange(n_samples)):
        raise ValueError(
            f"cv={cv!r} must partition the samples: out-of-fold stacking needs "
            "every sample in exactly one test fold."
        )


def check_numeric_columns(
    X, levels, *, default_levels: bool = False, passthrough: bool = False
):
    """Refuse, before any task runs, text columns that a level, or the
    meta-learner under ``passthrough``, cannot take.

    A level takes a DataFrame's non-numeric columns only through a
    granularity of the user's own (a ``ColumnTransformer`` that encodes
    them, say): skmgm's views need numbers, and a ``"passthrough"`` level
    hands the columns to its estimator as they are. Categorical columns
    pass (HistGradientBoosting takes them as they are), except those with
    text categories under the ``default_levels``, whose binned view cannot
    take them.
    """
    if not hasattr(X, "dtypes"):
        return
    columns = list(zip(X.columns, X.dtypes))
    text = [str(col) for col, dtype in columns if _is_text(dtype)]
    categories = [str(col) for col, dtype in columns if _has_text_categories(dtype)]
    refusing = [
        name for name, g, e in levels if not is_drop(e) and _needs_numbers(g, e)
    ]
    if text and refusing:
        raise ValueError(
            f"X has non-numeric columns {text}, which levels {refusing} cannot "
            "take. Encode them first: put a ColumnTransformer in front of the "
            "estimator in a Pipeline, or use one as those levels' granularity."
        )
    # The stack is one float matrix: the levels' outputs beside X's columns.
    if passthrough and (text or categories):
        raise ValueError(
            "passthrough=True hands X's columns to the final estimator beside "
            f"the levels' outputs, as numbers; X has non-numeric columns "
            f"{text + categories}. Encode them first (a ColumnTransformer in "
            "front of the estimator in a Pipeline), or set passthrough=False."
        )
    if default_levels and categories:
        raise ValueError(
            f"X has categorical columns {categories} with text categories, which "
            "the default levels' 'binned' view (KBinsDiscretizer) cannot take. "
            "Encode them first (an OrdinalEncoder in a ColumnTransformer), or "
            "pass levels whose estimators take them: a 'passthrough' level of "
            "HistGradientBoosting does."
        )


def _has_text_categories(dtype) -> bool:
    if getattr(dtype, "name", None) == "category":  # pandas
        return dtype.categories.dtype.kind not in "biuf"
    return str(dtype) in ("Categorical", "Enum")  # polars: text categories only


def _is_text(dtype) -> bool:
    if hasattr(dtype, "kind"):  # numpy and pandas
        return dtype.kind not in "biufcmM" and dtype.name != "category"
    return str(dtype) in ("String", "Utf8", "Object")  # polars


def _needs_numbers(granularity, estimator) -> bool:
    if is_passthrough(granularity):
        return not get_tags(estimator).input_tags.string
    return type(granularity).__module__.startswith("skmgm.")
