"""The fit/transform flow shared by the classifier and the regressor.

    validate -> clone levels -> plan -> run the plan -> out-of-fold matrix
    -> level scores -> meta-learner.

Predict is the same pipe without the folds. What differs between the two
estimators (the targets, the stack method, the score) comes from the
subclasses' hooks.
"""

from __future__ import annotations

import time
from abc import abstractmethod
from copy import deepcopy
from numbers import Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import TransformerMixin, is_classifier
from sklearn.model_selection import check_cv
from sklearn.utils import Bunch
from sklearn.utils.validation import (
    check_is_fitted,
    validate_data,
)

from skmgm._backend import N_JOBS_CONSTRAINT
from skmgm._compat import (
    HasMethods,
    Interval,
    StrOptions,
    _check_feature_names_in,
    _check_sample_weight,
    _fit_context,
    _num_samples,
    _raise_for_params,
    add_note,
)
from skmgm._composition import (
    _LevelsComposition,
    is_drop,
    is_label_free,
    short_name,
)
from skmgm._held_out import takes_out_of_bag
from skmgm._plan import (
    count_tasks,
    fit_parallel,
    fitted_granularity,
    plan_levels,
    report_final_fit,
    run_plan,
)
from skmgm._predict_rows import bound_level, predict_rows
from skmgm._predictions import as_columns
from skmgm._routing import metadata_router, route_fit_params
from skmgm._staged import fit_staged
from skmgm._validation import (
    check_final_estimator,
    check_level_names,
    check_levels,
    check_numeric_columns,
    check_partition,
    check_y_given,
)

# What scikit-learn's input checks say when a level's tags refuse the input:
# the words of the error, and the input tag missing.
_REFUSALS = {
    "contains NaN": ("NaN", "allow_nan"),
    "dense data is required": ("sparse input", "sparse"),
}


def _refusal_of(exc) -> str | None:
    return next((words for words in _REFUSALS if words in str(exc)), None)


class _BaseMultiGranularity(TransformerMixin, _LevelsComposition):
    """Base class of :class:`MultiGranularityClassifier` and its regressor."""

    _parameter_constraints: dict = {
        "levels": [list, None],
        "final_estimator": [None, HasMethods("fit")],
        "cv": ["cv_object"],
        "passthrough": ["boolean"],
        "refit": ["boolean"],
        "fit_once": [None, StrOptions({"label_free"}), list, tuple],
        "out_of_bag": [None, StrOptions({"auto"}), list, tuple],
        "n_jobs": N_JOBS_CONSTRAINT,
        "verbose": ["verbose"],
        "timeout": [None, Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        levels=None,
        final_estimator=None,
        *,
        cv=None,
        passthrough=False,
        refit=True,
        fit_once="label_free",
        out_of_bag="auto",
        n_jobs=None,
        verbose=0,
        timeout=None,
    ):
        self.levels = levels
        self.final_estimator = final_estimator
        self.cv = cv
        self.passthrough = passthrough
        self.refit = refit
        self.fit_once = fit_once
        self.out_of_bag = out_of_bag
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.timeout = timeout

    # ----------------------------------------------------- hooks of subclasses
    @abstractmethod
    def _prepare_y(self, y, levels):
        """``y`` as the levels learn it (encoded labels for a classifier)."""

    @abstractmethod
    def _stack_method_of(self, name, estimator) -> str:
        """The method of ``estimator`` whose output level ``name`` stacks."""

    @abstractmethod
    def _oof_score(self, y, predictions, method, sample_weight) -> float:
        """A level's out-of-fold score: accuracy or R²."""

    def _after_fit(self, fit_info, y, sample_weight):
        """What a subclass builds on a finished fit (early exit)."""

    def _n_classes(self):
        """Number of classes for a classifier; a regressor has none."""

    def _make_final_estimator(self):
        return check_final_estimator(
            self._final_estimator_or_default(), kind=self._estimator_kind
        )

    def _check_cv(self, y):
        return check_cv(self.cv, y, classifier=is_classifier(self))

    def _level_columns(self, predictions, method):
        return as_columns(predictions)

    # --------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        _raise_for_params(fit_params, self, "fit", allow=["sample_weight"])
        levels = check_levels(
            self._default_levels() if self.levels is None else self.levels,
            kind=self._estimator_kind,
            owner=type(self).__name__,
            parameter_names=set(self.get_params(deep=False)),
        )
        check_numeric_columns(
            X,
            levels,
            default_levels=self.levels is None,
            passthrough=self.passthrough,
        )
        X = self._validate_X(X, reset=True)
        if fit_params.get("sample_weight") is not None:
            # Refused once, here: in the tasks each would blame its level.
            _check_sample_weight(fit_params["sample_weight"], X)
        check_y_given(type(self).__name__, X, y)
        y = self._prepare_y(y, levels)
        fit_info = self._fit_stack(levels, X, y, fit_params)
        self._after_fit(fit_info, y, fit_params.get("sample_weight"))
        return self

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
        except (TypeError, ValueError) as exc:
            refused = _REFUSALS.get(_refusal_of(exc))
            if refused:
                what, tag = refused
                add_note(
                    exc,
                    f"Levels whose first step cannot take {what}: "
                    f"{self._levels_refusing(tag)}.",
                )
            raise

    def _fit_stack(self, levels, X, y, fit_params):
        """Fit the checked ``levels`` out of fold, then the meta-learner.

        Returns what the fit saw, for calibrations that build on it: each
        level's out-of-fold predictions, the meta-learner's input, the folds
        and the meta-learner's fit parameters.
        """
        final_estimator = self._make_final_estimator()
        active = [level for level in levels if not is_drop(level[2])]
        routed = route_fit_params(self, active, fit_params)
        splits = self._pinned_splits(X, y, routed.split)
        once = _levels_fitted_once(self.fit_once, levels)
        check_level_names("out_of_bag", self.out_of_bag, levels)
        options = _plan_options(self, active, routed, once)
        parallel = fit_parallel(
            self.n_jobs,
            max_tasks=count_tasks(options, len(splits), self.refit),
            verbose=self.verbose,
            timeout=self.timeout,
        )
        with parallel:
            if self._fits_in_stages():
                inputs = Bunch(
                    routed=routed,
                    splits=splits,
                    once=once,
                    weights=fit_params.get("sample_weight"),
                    parallel=parallel,
                )
                return fit_staged(self, active, X, y, inputs, final_estimator)
            planned = plan_levels(active, options, X, y, parallel)
            fitted = self._run(planned, y, splits, parallel)
        weights = fit_params.get("sample_weight")
        self._record_levels(planned, fitted, [(y, weights)] * len(planned))
        oof_predictions = [fit.oof_predictions for fit in fitted]
        X_meta = self._stack(oof_predictions, X)
        self._fit_final_estimator(final_estimator, X_meta, y, routed.final)
        return Bunch(
            oof_predictions=oof_predictions,
            X_meta=X_meta,
            splits=splits,
            final_params=routed.final,
        )

    def _describe_stack_to(self, final_estimator):
        """Tell a meta-learner that needs it the stack's layout (classifier)."""

    def _fits_in_stages(self) -> bool:
        """Whether levels are fitted coarse to fine on fewer rows (classifier)."""
        return False

    def _plan(self, levels, X, y, routed, once, parallel):
        """The plans of ``levels`` on the rows ``X`` and ``y`` (and
        ``routed``); ``once`` names the levels whose granularity is fitted
        once; their views are computed through ``parallel``."""
        options = _plan_options(self, levels, routed, once)
        return plan_levels(levels, options, X, y, parallel)

    def _run(self, planned, y, splits, parallel):
        return run_plan(
            planned,
            y,
            splits,
            parallel=parallel,
            n_classes=self._n_classes(),
            verbose=self.verbose,
            refit=self.refit,
        )

    def _fit_final_estimator(self, final_estimator, X_meta, y, params):
        self._describe_stack_to(final_estimator)
        start = time.perf_counter()
        self.final_estimator_ = final_estimator.fit(X_meta, y, **params)
        if self.verbose:
            report_final_fit(final_estimator, X_meta, time.perf_counter() - start)

    def _record_levels(self, planned, fitted, targets):
        """The fitted attributes that describe the levels.

        ``targets`` holds, per level, the ``(y, sample_weight)`` of the rows
        it was fitted on.
        """
        self.levels_ = [
            (plan.name, fitted_granularity(plan, fit), fit.estimator)
            for plan, fit in zip(planned, fitted)
        ]
        self.named_levels_ = Bunch(
            **{
                name: Bunch(granularity=granularity, estimator=estimator)
                for name, granularity, estimator in self.levels_
            }
        )
        self.stack_method_ = [plan.method for plan in planned]
        self.level_scores_ = {
            plan.name: self._oof_score(y, fit.oof_predictions, plan.method, weights)
            for plan, fit, (y, weights) in zip(planned, fitted, targets)
        }
        self.level_fit_rows_ = {
            plan.name: len(y) for plan, (y, _) in zip(planned, targets)
        }
        self.level_fit_seconds_ = {
            plan.name: fit.fit_seconds for plan, fit in zip(planned, fitted)
        }
        self.level_view_widths_ = [fit.view_width for fit in fitted]
        # Columns each level adds to the stack, known once fitted: predict
        # never needs to recount them.
        self.level_output_widths_ = [
            self._level_columns(fit.oof_predictions, plan.method).shape[1]
            for plan, fit in zip(planned, fitted)
        ]

    def _pinned_splits(self, X, y, split_params):
        cv = self._check_cv(y)
        if getattr(cv, "random_state", 0) is None:
            # A shuffling splitter without a seed would give every call to
            # split() other folds; pin one seed so every level sees the same.
            cv = deepcopy(cv)
            cv.random_state = np.random.RandomState()
        splits = list(cv.split(X, y, **split_params))
        check_partition(self.cv, splits, _num_samples(X))
        return splits

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
        return metadata_router(self)

    # --------------------------------------------------------------- transform
    def _predict_levels(self, indices, X, level_params=None):
        """The aligned predictions of the levels at ``indices``;
        ``level_params`` (by level name) routed to their parts. On many rows
        of dear levels, the rows are split among ``n_jobs`` workers
        (:func:`~skmgm._predict_rows.predict_rows`)."""
        n_classes, level_params = self._n_classes(), level_params or {}
        predicts, params = [], []
        for index in indices:
            name, granularity, estimator = self.levels_[index]
            method = self.stack_method_[index]
            predicts.append(bound_level(granularity, estimator, method, n_classes))
            params.append(level_params.get(name) or Bunch(granularity={}, estimator={}))
        return predict_rows(
            predicts, X, params, n_jobs=self.n_jobs, timeout=self.timeout
        )

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

    def _transform_validated(self, X, level_params=None):
        """The stacked level outputs of ``X``; ``level_params`` by level name."""
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        predictions = self._predict_levels(range(len(self.levels_)), X, level_params)
        return self._stack(predictions, X)

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
        for (name, _, _), width in zip(self.levels_, self.level_output_widths_):
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
            (out-of-fold accuracy or R², as ``level_scores_``),
            ``fit_rows`` (the rows the level was fitted on: all of them,
            unless ``staged_fit=True``) and ``fit_seconds`` (fold fits plus
            refit; the one fit of a level out of bag). A DataFrame when pandas is
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
            "granularity": [short_name(g) for _, g, _ in self.levels_],
            "estimator": [short_name(e) for _, _, e in self.levels_],
            "view_width": list(self.level_view_widths_),
            "stack_method": list(self.stack_method_),
            "oof_score": list(self.level_scores_.values()),
            "fit_rows": list(self.level_fit_rows_.values()),
            "fit_seconds": list(self.level_fit_seconds_.values()),
        }
        try:
            import pandas as pd
        except ImportError:
            return report
        return pd.DataFrame(report)


def _plan_options(model, levels, routed, once) -> list[dict]:
    """Each level's keyword arguments to :func:`~skmgm._plan.plan_level`;
    ``once`` names the levels whose granularity is fitted once."""
    grouped = "groups" in routed.split
    options = []
    for level in levels:
        name, _, estimator = level
        method = model._stack_method_of(name, estimator)
        fit_once = name in once
        options.append(
            {
                "method": method,
                "estimator_params": routed.estimator[name],
                "granularity_params": routed.granularity.get(name, {}),
                "fit_once": fit_once,
                "out_of_bag": takes_out_of_bag(
                    model.out_of_bag, level, method, fit_once, grouped
                ),
            }
        )
    return options


def _levels_fitted_once(fit_once, levels) -> set:
    """Names of the levels whose granularity is fitted once on all rows."""
    if fit_once is None:
        return set()
    if isinstance(fit_once, str):  # "label_free"
        return {name for name, g, _ in levels if is_label_free(g)}
    check_level_names("fit_once", fit_once, levels)
    return set(fit_once)
