"""The levels as a composition: parameters, one iterator, tags, display.

As scikit-learn's ``_BaseComposition`` for ``Pipeline`` and
``ColumnTransformer``: this layer knows the ``levels`` parameter and what is
derived from it before any fit — nested ``get_params``/``set_params``, the one
iterator over the levels (:meth:`_LevelsComposition._iter_levels`), the one
place the default meta-learner is resolved, the input tags and the HTML
display. It never fits anything.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from collections import defaultdict

from sklearn.base import BaseEstimator
from sklearn.preprocessing import (
    MaxAbsScaler,
    MinMaxScaler,
    RobustScaler,
    StandardScaler,
)
from sklearn.utils import get_tags

from skmgm._compat import _VisualBlock

LEVEL_PARTS = ("granularity", "estimator")


def is_drop(estimator) -> bool:
    return isinstance(estimator, str) and estimator == "drop"


def is_passthrough(granularity) -> bool:
    return isinstance(granularity, str) and granularity == "passthrough"


def first_step(granularity, estimator):
    """What meets X first in a level: its granularity, or its estimator."""
    return estimator if is_passthrough(granularity) else granularity


# scikit-learn's scalers: their fit takes y and ignores it.
_LABEL_FREE_SCALERS = (MaxAbsScaler, MinMaxScaler, RobustScaler, StandardScaler)


def is_label_free(granularity) -> bool:
    """Whether ``granularity`` learns nothing from ``y``, by its own word.

    scikit-learn's tags cannot say it (``SelectKBest`` uses ``y`` but does not
    require it), so only what is known counts: a view that learns nothing
    at all (``requires_fit=False``), a skmgm view with the class attribute
    ``_skmgm_label_free = True``, scikit-learn's scalers (``StandardScaler``,
    ``MinMaxScaler``, ``MaxAbsScaler``, ``RobustScaler``), and a
    ``Pipeline`` or ``FeatureUnion`` of such steps.
    """
    steps = getattr(granularity, "steps", None)
    if steps is None:
        steps = getattr(granularity, "transformer_list", None)
    if steps is not None:
        return all(is_label_free(step) for _, step in steps)
    if isinstance(granularity, str):
        return granularity == "passthrough"
    return (
        getattr(granularity, "_skmgm_label_free", False)
        or isinstance(granularity, _LABEL_FREE_SCALERS)
        or not get_tags(granularity).requires_fit
    )


def computes_view_once(granularity, fit_once: bool) -> bool:
    """Whether a level's view is computed once per fit, for all rows: its
    granularity learns nothing (``requires_fit=False``) or ``fit_once`` says
    to fit it once."""
    if isinstance(granularity, str):  # "passthrough"
        return False
    return fit_once or not get_tags(granularity).requires_fit


def final_estimator_has(attr: str, hidden_by_early_exit: bool = False):
    """For ``available_if``: whether the meta-learner has ``attr``.

    The fitted one if there is one, else the configured one (or the default).
    With ``hidden_by_early_exit`` the method is also hidden when the
    estimator's ``early_exit`` is on. As scikit-learn's stacking does, the
    check raises the meta-learner's own ``AttributeError``, which
    ``available_if`` chains as the cause of the estimator's.
    """

    def check(self):
        if hidden_by_early_exit and self.early_exit is not None:
            raise AttributeError(
                f"{attr} is not available with early_exit={self.early_exit!r}: "
                "rows that exit early have no meta-learner output."
            )
        final = getattr(self, "final_estimator_", None)
        if final is None:
            final = self._final_estimator_or_default()
        getattr(final, attr)
        return True

    return check


def short_name(part) -> str:
    return part if isinstance(part, str) else type(part).__name__


def _refuse_whole_levels(names) -> None:
    # StackingClassifier's set_params(name="drop") has no counterpart: a
    # level is two parts, and "drop" belongs to one of them.
    if names:
        name = min(names)
        raise ValueError(
            f"set_params({name}=...) cannot replace level {name!r} whole: set "
            f"{name}__estimator='drop' to drop it, or {name}__granularity and "
            f"{name}__estimator to replace its parts."
        )


def _is_usable_part(part):
    if isinstance(part, str):
        return part in ("passthrough", "drop")
    return hasattr(part, "fit") and not isinstance(part, type)


class _LevelsComposition(BaseEstimator, metaclass=ABCMeta):
    """The ``levels`` and ``final_estimator`` parameters, before any fit."""

    # "classifier" or "regressor": what every level's estimator must be.
    _estimator_kind: str

    @abstractmethod
    def _default_levels(self) -> list:
        """The levels used when ``levels=None``."""

    @abstractmethod
    def _default_final_estimator(self):
        """The meta-learner used when ``final_estimator=None``."""

    def _final_estimator_or_default(self):
        """The meta-learner as configured (not cloned, not fitted)."""
        final = self.final_estimator
        return self._default_final_estimator() if final is None else final

    def _iter_levels(self, *, skip_drop: bool = True):
        """The configured ``(name, granularity, estimator)`` levels, in order.

        The defaults when ``levels=None``; otherwise only the well-formed
        triples with usable parts, since tags, routing and display must work
        on any constructor arguments (``fit`` reports the malformed ones).
        ``skip_drop`` leaves out the levels whose estimator is ``"drop"``.
        """
        if self.levels is None:
            levels = self._default_levels()
        else:
            levels = [
                level
                for level in self._wellformed_levels()
                if all(_is_usable_part(part) for part in level[1:])
            ]
        for name, granularity, estimator in levels:
            if not (skip_drop and is_drop(estimator)):
                yield name, granularity, estimator

    def _levels_or_defaults(self):
        """The well-formed levels, or the defaults when ``levels=None``."""
        if self.levels is None:
            return self._default_levels()
        return self._wellformed_levels()

    def _wellformed_levels(self):
        """The triples of ``levels`` that are well formed, never raising."""
        if not isinstance(self.levels, (list, tuple)):
            return []
        return [
            tuple(level)
            for level in self.levels
            if isinstance(level, (list, tuple))
            and len(level) == 3
            and isinstance(level[0], str)
        ]

    # ------------------------------------------------------------------ params
    def get_params(self, deep: bool = True) -> dict:
        """Get parameters of this estimator.

        With ``deep=True`` every level also contributes
        ``<level>__granularity``, ``<level>__estimator`` and their own
        parameters as ``<level>__granularity__<param>`` and
        ``<level>__estimator__<param>``.

        Parameters
        ----------
        deep : bool, default=True
            If True, return the parameters of the levels and of the final
            estimator too.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        params = super().get_params(deep=deep)
        if not deep:
            return params
        for name, *parts in self._levels_or_defaults():
            for part, value in zip(LEVEL_PARTS, parts):
                params[f"{name}__{part}"] = value
                if hasattr(value, "get_params") and not isinstance(value, type):
                    for key, inner in value.get_params(deep=True).items():
                        params[f"{name}__{part}__{key}"] = inner
        return params

    def set_params(self, **params):
        """Set the parameters of this estimator.

        Besides its own parameters, a level's granularity or estimator can be
        replaced (``coarse__estimator=LogisticRegression()``) or tuned
        (``coarse__granularity__window=4``), as in a ``Pipeline``. With
        ``final_estimator=None``, setting ``final_estimator__<param>`` first
        puts the default meta-learner in place, so a grid can tune it.

        Parameters
        ----------
        **params : keyword arguments
            Parameter names mapped to their new values.

        Returns
        -------
        self : estimator instance
            This estimator.
        """
        if "levels" in params:
            self.levels = params.pop("levels")
        if any(key.startswith("final_estimator__") for key in params):
            self.final_estimator = self._final_estimator_or_default()
        names = {level[0] for level in self._levels_or_defaults()}
        _refuse_whole_levels(names & params.keys() - self.get_params(deep=False).keys())
        if self.levels is None and any(
            key.partition("__")[0] in names for key in params
        ):
            # As for final_estimator__<param>: tuning a default level first
            # puts the default levels in place.
            self.levels = self._default_levels()
        by_level = defaultdict(dict)
        for key in list(params):
            name, sep, rest = key.partition("__")
            if sep and name in names:
                by_level[name][rest] = params.pop(key)
        for name, level_params in by_level.items():
            self._set_level_params(name, level_params)
        super().set_params(**params)
        return self

    def _set_level_params(self, name, level_params):
        replaced = {}
        nested = defaultdict(dict)
        for key, value in level_params.items():
            part, _, inner = key.partition("__")
            if part not in LEVEL_PARTS:
                valid = sorted(
                    key
                    for key in self.get_params(deep=True)
                    if key.startswith(f"{name}__")
                )
                raise ValueError(
                    f"Invalid parameter '{name}__{key}' for level {name!r} of "
                    f"{type(self).__name__}. Valid parameters of the level: "
                    f"{valid}."
                )
            if inner:
                nested[part][inner] = value
            else:
                replaced[part] = value
        levels = list(self.levels)
        for index, (level_name, *parts) in enumerate(levels):
            if level_name == name:
                current = dict(zip(LEVEL_PARTS, parts))
                current.update(replaced)
                for part, inner_params in nested.items():
                    current[part].set_params(**inner_params)
                levels[index] = (name, current["granularity"], current["estimator"])
        self.levels = levels

    # -------------------------------------------------------------------- tags
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        first_steps = [first_step(g, e) for _, g, e in self._iter_levels()]
        if self.passthrough:
            first_steps.append(self._final_estimator_or_default())
        input_tags = [get_tags(step).input_tags for step in first_steps]
        tags.input_tags.allow_nan = all(t.allow_nan for t in input_tags)
        tags.input_tags.sparse = all(t.sparse for t in input_tags)
        return tags

    def _levels_refusing(self, input_tag: str) -> str:
        """Names the levels whose first step lacks ``input_tag`` (for errors)."""
        refusing = [
            f"{name!r} ({short_name(first_step(granularity, estimator))})"
            for name, granularity, estimator in self._iter_levels()
            if not getattr(
                get_tags(first_step(granularity, estimator)).input_tags, input_tag
            )
        ]
        return ", ".join(refusing)

    # ----------------------------------------------------------------- display
    def _sk_visual_block_(self):
        levels = list(self._iter_levels(skip_drop=False))
        level_blocks = [
            _VisualBlock(
                "serial",
                [granularity, estimator],
                names=["granularity", "estimator"],
                name_details=[str(granularity), str(estimator)],
                dash_wrapped=False,
            )
            for _, granularity, estimator in levels
        ]
        parallel = _VisualBlock(
            "parallel",
            level_blocks,
            names=[name for name, _, _ in levels],
            dash_wrapped=False,
        )
        final_block = _VisualBlock(
            "parallel",
            [self._final_estimator_or_default()],
            names=["final_estimator"],
            dash_wrapped=False,
        )
        return _VisualBlock("serial", (parallel, final_block), dash_wrapped=False)
