"""make_levels: one level per granularity, for the common case."""

from __future__ import annotations

from sklearn.base import clone
from sklearn.pipeline import Pipeline

from skmgm._docstrings import Substitution
from skmgm._validation import check_estimator, check_granularity


@Substitution()
def make_levels(estimator, granularities: list, names: list[str] | None = None):
    """Build levels that share one estimator, one per granularity.

    Parameters
    ----------
    estimator : estimator
        Cloned for every level.
    granularities : list of transformer or "passthrough"
        The levels' views, coarse first.
    names : list of str, default=None
        The levels' names; ``None`` derives them from the granularities
        (``pool1d_w8``, ``pool2d_w2``, ``scan_w0.1``, ``raw`` for
        ``"passthrough"``, the class name otherwise), numbered when repeated.

    Returns
    -------
    {levels_returned}

    Examples
    --------
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skmgm import make_levels
    >>> from skmgm.granularity import Pool1D
    >>> levels = make_levels(
    ...     DecisionTreeClassifier(), [Pool1D(8), Pool1D(2), "passthrough"]
    ... )
    >>> [name for name, _, _ in levels]
    ['pool1d_w8', 'pool1d_w2', 'raw']
    """
    check_estimator("make_levels: estimator", estimator)
    _check_granularities(granularities)
    if isinstance(names, str):
        raise TypeError(
            f"make_levels: names must be a list of str; got {names!r}. For one "
            f"level, pass [{names!r}]."
        )
    if names is None:
        names = _unique([_level_name(granularity) for granularity in granularities])
    if len(names) != len(granularities):
        raise ValueError(
            f"make_levels: names has {len(names)} entries for "
            f"{len(granularities)} granularities."
        )
    return [
        (name, granularity, clone(estimator))
        for name, granularity in zip(names, granularities)
    ]


def _check_granularities(granularities):
    """Refuse what is not a non-empty list of views, before a string is read
    as one level per character."""
    if not isinstance(granularities, (list, tuple)):
        raise TypeError(
            "make_levels: granularities must be a list of transformers or "
            f"'passthrough'; got {granularities!r}. For one level, pass "
            f"[{granularities!r}]."
        )
    if not granularities:
        raise ValueError("make_levels: granularities is empty; give one or more.")
    for position, granularity in enumerate(granularities):
        check_granularity(f"make_levels: granularities[{position}]", granularity)


def _level_name(granularity):
    if isinstance(granularity, str):
        return "raw" if granularity == "passthrough" else granularity
    if isinstance(granularity, Pipeline):
        return "_".join(_level_name(step) for _, step in granularity.steps)
    kind = type(granularity).__name__.lower()
    kind = {"multigrainedscanner": "scan", "functiontransformer": "func"}.get(
        kind, kind
    )
    window = getattr(granularity, "window", None)
    if window is None:
        return kind
    if isinstance(window, (tuple, list)):
        window = "x".join(str(w) for w in window)
    return f"{kind}_w{window}"


def _unique(names):
    seen = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return unique
