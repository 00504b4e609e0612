"""Shared base of the multi-granularity estimators.

It holds what the classifier and the regressor have in common: the levels
parameter and its nested ``get_params``/``set_params``, the validation of the
levels, and the fit/transform flow

    validate -> clone levels -> plan -> run the plan -> out-of-fold matrix
    -> level scores -> meta-learner.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from collections import defaultdict
from copy import deepcopy
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin, clone, is_classifier
from sklearn.model_selection import check_cv
from sklearn.utils import Bunch, get_tags
from sklearn.utils.metadata_routing import MetadataRouter, MethodMapping
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from skmgm._compat import (
    HasMethods,
    Interval,
    _check_feature_names_in,
    _num_samples,
    _routing_enabled,
    _VisualBlock,
    process_routing,
)
from skmgm._plan import PlannedLevel, check_view_not_empty, run_plan
from skmgm._predictions import align_predictions

_LEVEL_PARTS = ("granularity", "estimator")


class _BaseMultiGranularity(TransformerMixin, BaseEstimator, metaclass=ABCMeta):
    """Base class of :class:`MultiGranularityClassifier` and its regressor."""

    _parameter_constraints: dict = {
        "levels": [list, None],
        "final_estimator": [None, HasMethods("fit")],
        "cv": ["cv_object"],
        "passthrough": ["boolean"],
        "refit": ["boolean"],
        "n_jobs": [None, Integral],
        "verbose": ["verbose"],
        "timeout": [None, Interval(Real, 0, None, closed="neither")],
    }

    # "classifier" or "regressor": what every level's estimator must be.
    _estimator_kind: str

    @abstractmethod
    def _default_levels(self) -> list:
        """The levels used when ``levels=None``."""

    @abstractmethod
    def _default_final_estimator(self):
        """The meta-learner used when ``final_estimator=None``."""

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
        for name, *parts in self._wellformed_levels():
            for part, value in zip(_LEVEL_PARTS, parts):
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
        if self.final_estimator is None and any(
            key.startswith("final_estimator__") for key in params
        ):
            self.final_estimator = self._default_final_estimator()
        names = {level[0] for level in self._wellformed_levels()}
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
            if part not in _LEVEL_PARTS:
                raise ValueError(
                    f"Invalid parameter {name}__{key!r} for level {name!r} of "
                    f"{type(self).__name__}: a level has the parameters "
                    f"'{name}__granularity' and '{name}__estimator' and theirs."
                )
            if inner:
                nested[part][inner] = value
            else:
                replaced[part] = value
        levels = list(self.levels)
        for index, (level_name, *parts) in enumerate(levels):
            if level_name == name:
                current = dict(zip(_LEVEL_PARTS, parts))
                current.update(replaced)
                for part, inner_params in nested.items():
                    current[part].set_params(**inner_params)
                levels[index] = (name, current["granularity"], current["estimator"])
        self.levels = levels

    def _wellformed_levels(self):
        """The triples of ``levels`` that are well formed, never raising.

        ``get_params`` and the tags must work on any constructor arguments;
        malformed levels are reported at ``fit`` by ``_check_levels``.
        """
        if not isinstance(self.levels, (list, tuple)):
            return []
        return [
            tuple(level)
            for level in self.levels
            if isinstance(level, (list, tuple))
            and len(level) == 3
            and isinstance(level[0], str)
        ]

    # -------------------------------------------------------------- validation
    def _check_levels(self):
        levels = self._default_levels() if self.levels is None else self.levels
        if len(levels) == 0:
            raise ValueError(
                "levels must be a non-empty list of (name, granularity, "
                "estimator) triples; got an empty list."
            )
        parameter_names = set(self.get_params(deep=False))
        seen = set()
        checked = []
        for position, level in enumerate(levels):
            if not isinstance(level, (list, tuple)) or len(level) != 3:
                raise TypeError(
                    f"levels[{position}] must be a (name, granularity, estimator) "
                    f"triple; got {level!r}."
                )
            name, granularity, estimator = level
            self._check_level_name(position, name, parameter_names, seen)
            seen.add(name)
            self._check_granularity(name, granularity)
            self._check_level_estimator(name, estimator)
            checked.append((name, granularity, estimator))
        if all(_is_drop(estimator) for _, _, estimator in checked):
            raise ValueError(
                "Every level's estimator is 'drop'; at least one level needs an "
                "estimator."
            )
        return checked

    def _check_level_name(self, position, name, parameter_names, seen):
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
                f"{type(self).__name__}; rename the level."
            )
        if name in seen:
            raise ValueError(
                f"Level name {name!r} is used twice; names must be unique."
            )

    @staticmethod
    def _check_granularity(name, granularity):
        if isinstance(granularity, str) and granularity == "passthrough":
            return
        if isinstance(granularity, type):
            raise TypeError(
                f"Level {name!r}: granularity is the class {granularity.__name__}, "
                f"not an instance; pass {granularity.__name__}(...)."
            )
        if not (hasattr(granularity, "fit") and hasattr(granularity, "transform")):
            raise TypeError(
                f"Level {name!r}: granularity must be a transformer (with fit "
                f"and transform) or 'passthrough'; got {granularity!r}."
            )

    def _check_level_estimator(self, name, estimator):
        if _is_drop(estimator):
            return
        if isinstance(estimator, type):
            raise TypeError(
                f"Level {name!r}: estimator is the class {estimator.__name__}, "
                f"not an instance; pass {estimator.__name__}(...)."
            )
        if not hasattr(estimator, "fit"):
            raise TypeError(
                f"Level {name!r}: estimator must be a scikit-learn estimator or "
                f"'drop'; got {estimator!r}."
            )
        if get_tags(estimator).estimator_type != self._estimator_kind:
            raise ValueError(
                f"Level {name!r}: estimator {estimator!r} is not a "
                f"{self._estimator_kind}; {type(self).__name__} needs a "
                f"{self._estimator_kind} (or 'drop') in every level."
            )

    def _make_final_estimator(self):
        final = self.final_estimator
        final = self._default_final_estimator() if final is None else clone(final)
        if get_tags(final).estimator_type != self._estimator_kind:
            raise ValueError(
                f"final_estimator must be a {self._estimator_kind}; got {final!r}."
            )
        return final

    def _validate_X(self, X, *, reset):
        # DataFrames go to the levels untouched so that granularities can
        # select columns by name; validate_data then only checks names/counts.
        tags = self.__sklearn_tags__().input_tags
        try:
            return validate_data(
                self,
                X,
                reset=reset,
                skip_check_array=hasattr(X, "columns"),
                accept_sparse=["csr", "csc"] if tags.sparse else False,
                ensure_all_finite="allow-nan" if tags.allow_nan else True,
                dtype="numeric",
            )
        except ValueError as exc:
            if "contains NaN" in str(exc) and hasattr(exc, "add_note"):
                exc.add_note(self._levels_refusing_nan())
            raise

    def _levels_refusing_nan(self):
        refusing = [
            f"{name!r} ({_short_name(_first_step(granularity, estimator))})"
            for name, granularity, estimator in self._levels_for_tags()
            if not _is_drop(estimator)
            and not get_tags(_first_step(granularity, estimator)).input_tags.allow_nan
        ]
        return "Levels whose first step cannot take NaN: " + ", ".join(refusing) + "."

    # --------------------------------------------------------------------- fit
    def _fit_stack(self, levels, X, y, fit_params):
        """Fit the checked ``levels`` out of fold, then the meta-learner.

        ``y`` is what the levels learn (encoded labels for a classifier).
        Returns what the fit saw, for calibrations that build on it: each
        level's out-of-fold predictions, the meta-learner's input, the folds
        and the meta-learner's fit parameters.
        """
        final_estimator = self._make_final_estimator()
        check_consistent_length(X, y)
        active = [level for level in levels if not _is_drop(level[2])]
        routed = self._route_fit_params(active, fit_params)
        splits = self._pinned_splits(X, y, routed.split)
        methods = [self._stack_method_of(name, est) for name, _, est in active]
        planned = [
            self._plan_level(level, method, X, y, routed)
            for level, method in zip(active, methods)
        ]
        fitted = run_plan(
            planned,
            y,
            splits,
            n_classes=self._n_classes(),
            n_jobs=self.n_jobs,
            verbose=self.verbose,
            refit=self.refit,
            timeout=self.timeout,
        )

        self.levels_ = [
            (plan.name, _fitted_granularity(plan, fit), fit.estimator)
            for plan, fit in zip(planned, fitted)
        ]
        self.named_levels_ = Bunch(
            **{
                name: Bunch(granularity=granularity, estimator=estimator)
                for name, granularity, estimator in self.levels_
            }
        )
        self.stack_method_ = methods
        sample_weight = fit_params.get("sample_weight")
        self.level_scores_ = {
            plan.name: self._oof_score(
                y, fit.oof_predictions, plan.method, sample_weight
            )
            for plan, fit in zip(planned, fitted)
        }
        self.level_fit_seconds_ = {
            plan.name: fit.fit_seconds for plan, fit in zip(planned, fitted)
        }
        self._level_view_widths = [fit.view_width for fit in fitted]
        X_meta = self._stack([fit.oof_predictions for fit in fitted], X)
        # Columns each level adds to the stack, known once fitted: predict
        # never needs to recount them.
        self._n_level_outputs = [
            self._level_columns(fit.oof_predictions, method).shape[1]
            for fit, method in zip(fitted, methods)
        ]
        self.final_estimator_ = final_estimator.fit(X_meta, y, **routed.final)
        return Bunch(
            oof_predictions=[fit.oof_predictions for fit in fitted],
            X_meta=X_meta,
            splits=splits,
            final_params=routed.final,
        )

    def _route_fit_params(self, levels, fit_params):
        """The metadata each level's parts, the splitter and the meta-learner get.

        With metadata routing enabled, each consumer gets what it requested.
        Without it, ``sample_weight`` goes to every level's estimator and the
        meta-learner, as in scikit-learn's stacking.
        """
        if _routing_enabled():
            routed = process_routing(self, "fit", **fit_params)
            return Bunch(
                estimator={
                    name: routed[f"{name}__estimator"].fit for name, _, _ in levels
                },
                granularity={
                    name: routed[f"{name}__granularity"].fit
                    for name, granularity, _ in levels
                    if not _is_passthrough(granularity)
                },
                split=routed.splitter.split,
                final=routed.final_estimator.fit,
            )
        weights = {k: v for k, v in fit_params.items() if k == "sample_weight"}
        return Bunch(
            estimator={name: weights for name, _, _ in levels},
            granularity={},
            split={},
            final=weights,
        )

    def get_metadata_routing(self):
        """How ``fit`` routes metadata, for scikit-learn's metadata routing.

        Each level's estimator and granularity (``<level>__estimator``,
        ``<level>__granularity``) get the ``fit`` metadata they request, the
        ``cv`` splitter gets what its ``split`` requests (e.g. ``groups`` for
        ``GroupKFold``), and the final estimator only what it requests.

        Returns
        -------
        routing : MetadataRouter
            The routing information.
        """
        router = MetadataRouter(owner=self)
        fit = MethodMapping().add(caller="fit", callee="fit")
        for name, granularity, estimator in self._levels_for_tags():
            if not _is_drop(estimator):
                router.add(**{f"{name}__estimator": estimator}, method_mapping=fit)
            if not _is_passthrough(granularity):
                router.add(**{f"{name}__granularity": granularity}, method_mapping=fit)
        router.add(
            splitter=check_cv(self.cv),
            method_mapping=MethodMapping().add(caller="fit", callee="split"),
        )
        final = getattr(self, "final_estimator_", self.final_estimator)
        router.add(
            final_estimator=self._default_final_estimator() if final is None else final,
            method_mapping=MethodMapping().add(caller="fit", callee="fit"),
        )
        return router

    def _pinned_splits(self, X, y, split_params):
        cv = self._check_cv(y)
        if getattr(cv, "random_state", 0) is None:
            # A shuffling splitter without a seed would give every call to
            # split() other folds; pin one seed so every level sees the same.
            cv = deepcopy(cv)
            cv.random_state = np.random.RandomState()
        splits = list(cv.split(X, y, **split_params))
        test_rows = np.sort(np.concatenate([test for _, test in splits]))
        if not np.array_equal(test_rows, np.arange(_num_samples(X))):
            raise ValueError(
                f"cv={self.cv!r} must partition the samples: out-of-fold "
                "stacking needs every sample in exactly one test fold."
            )
        return splits

    def _check_cv(self, y):
        return check_cv(self.cv, y, classifier=is_classifier(self))

    def _n_classes(self):
        """Number of classes for a classifier; a regressor has none."""

    def _plan_level(self, level, method, X, y, routed):
        name, granularity, estimator = level
        fit_params = routed.estimator[name]
        if isinstance(granularity, str):  # "passthrough"
            return PlannedLevel(name, None, estimator, method, X, fit_params=fit_params)
        granularity_params = routed.granularity.get(name, {})
        if get_tags(granularity).requires_fit:
            return PlannedLevel(
                name,
                granularity,
                estimator,
                method,
                X,
                fit_params=fit_params,
                granularity_params=granularity_params,
            )
        # A stateless view is the same for every fold: compute it once.
        fitted = clone(granularity)
        view = fitted.fit_transform(X, y, **granularity_params)
        check_view_not_empty(name, view)
        return PlannedLevel(
            name, None, estimator, method, view, fitted, fit_params=fit_params
        )

    # --------------------------------------------------------------- transform
    def _level_predictions(self, X):
        for index in range(len(self.levels_)):
            yield self._predict_level(index, X)

    def _predict_level(self, index, X):
        _, granularity, estimator = self.levels_[index]
        method = self.stack_method_[index]
        view = X if isinstance(granularity, str) else granularity.transform(X)
        predictions = getattr(estimator, method)(view)
        return align_predictions(estimator, predictions, method, self._n_classes())

    def _stack(self, predictions, X):
        blocks = [
            self._level_columns(pred, method)
            for pred, method in zip(predictions, self.stack_method_)
        ]
        if not self.passthrough:
            return np.hstack(blocks)
        if sp.issparse(X):
            return sp.hstack([*blocks, X], format=X.format)
        return np.hstack([*blocks, np.asarray(X)])

    @staticmethod
    def _level_columns(predictions, method):
        return predictions.reshape(-1, 1) if predictions.ndim == 1 else predictions

    def _transform_validated(self, X):
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return self._stack(list(self._level_predictions(X)), X)

    def transform(self, X):
        """Stack every level's outputs for ``X``: the meta-learner's input.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        X_meta : ndarray of shape (n_samples, n_outputs)
            Each level's predictions (probabilities, decision values or
            predictions, by ``stack_method_``), then the raw features when
            ``passthrough=True``.
        """
        return self._transform_validated(X)

    def get_feature_names_out(self, input_features=None):
        """Names of the columns of :meth:`transform`.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names, used only with ``passthrough=True``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            ``<estimator class>_<level>`` (with an index when a level gives
            several columns), then the input features with ``passthrough``.
        """
        check_is_fitted(self)
        input_features = _check_feature_names_in(
            self, input_features, generate_names=self.passthrough
        )
        prefix = type(self).__name__.lower()
        names = []
        for (name, _, _), width in zip(self.levels_, self._n_level_outputs):
            if width == 1:
                names.append(f"{prefix}_{name}")
            else:
                names.extend(f"{prefix}_{name}{i}" for i in range(width))
        if self.passthrough:
            names.extend(input_features)
        return np.asarray(names, dtype=object)

    def levels_report(self):
        """One row per fitted level: its view, its score and its cost.

        Returns
        -------
        report : pandas.DataFrame or dict of lists
            Columns ``level``, ``granularity``, ``estimator``, ``view_width``
            (columns of the level's view), ``stack_method``, ``oof_score``
            (out-of-fold accuracy or R², as ``level_scores_``) and
            ``fit_seconds`` (fold fits plus refit). A DataFrame when pandas is
            installed, else a dict of lists.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from skmgm import MultiGranularityClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> report = MultiGranularityClassifier(cv=3).fit(X, y).levels_report()
        >>> list(report["level"]), list(report["view_width"])
        (['binned', 'raw'], [32, 4])
        """
        check_is_fitted(self)
        report = {
            "level": [name for name, _, _ in self.levels_],
            "granularity": [_short_name(g) for _, g, _ in self.levels_],
            "estimator": [_short_name(e) for _, _, e in self.levels_],
            "view_width": list(self._level_view_widths),
            "stack_method": list(self.stack_method_),
            "oof_score": list(self.level_scores_.values()),
            "fit_seconds": list(self.level_fit_seconds_.values()),
        }
        try:
            import pandas as pd
        except ImportError:
            return report
        return pd.DataFrame(report)

    # -------------------------------------------------------------------- tags
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        first_steps = [
            _first_step(granularity, estimator)
            for _, granularity, estimator in self._levels_for_tags()
            if not _is_drop(estimator)
        ]
        if self.passthrough:
            final = self.final_estimator
            first_steps.append(
                self._default_final_estimator() if final is None else final
            )
        input_tags = [get_tags(step).input_tags for step in first_steps]
        tags.input_tags.allow_nan = all(t.allow_nan for t in input_tags)
        tags.input_tags.sparse = all(t.sparse for t in input_tags)
        return tags

    def _levels_for_tags(self):
        if self.levels is None:
            return self._default_levels()
        return [
            level
            for level in self._wellformed_levels()
            if all(_is_usable_part(part) for part in level[1:])
        ]

    def _sk_visual_block_(self):
        levels = self._levels_for_tags()
        names = [name for name, _, _ in levels]
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
            "parallel", level_blocks, names=names, dash_wrapped=False
        )
        final = self.final_estimator
        final = self._default_final_estimator() if final is None else final
        final_block = _VisualBlock(
            "parallel", [final], names=["final_estimator"], dash_wrapped=False
        )
        return _VisualBlock("serial", (parallel, final_block), dash_wrapped=False)


def _short_name(part):
    return part if isinstance(part, str) else type(part).__name__


def _first_step(granularity, estimator):
    """What meets X first in a level: its granularity, or its estimator."""
    return estimator if _is_passthrough(granularity) else granularity


def _is_drop(estimator):
    return isinstance(estimator, str) and estimator == "drop"


def _is_passthrough(granularity):
    return isinstance(granularity, str) and granularity == "passthrough"


def _is_usable_part(part):
    if isinstance(part, str):
        return part in ("passthrough", "drop")
    return hasattr(part, "fit") and not isinstance(part, type)


def _fitted_granularity(plan, fit):
    if plan.prefitted_granularity is not None:
        return plan.prefitted_granularity
    # A passthrough level, or fold models that each hold their own view.
    return "passthrough" if fit.granularity is None else fit.granularity
