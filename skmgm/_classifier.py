"""MultiGranularityClassifier."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.multioutput import MultiOutputClassifier
from sklearn.preprocessing import KBinsDiscretizer, LabelEncoder
from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d

from skmgm._base import _BaseMultiGranularity, _is_drop
from skmgm._compat import (
    Interval,
    StrOptions,
    _check_response_method,
    _fit_context,
    _raise_for_params,
    _safe_indexing,
)
from skmgm._early_exit import (
    calibrate,
    out_of_fold_stack_labels,
    predictions_for_rows,
    run_cascade,
)
from skmgm._predictions import align_predictions

_AUTO_METHODS = ["predict_proba", "decision_function", "predict"]
_EARLY_EXIT_ATTRIBUTES = (
    "early_exit_thresholds_",
    "early_exit_scores_",
    "early_exit_shares_",
)


def _final_estimator_has(attr, hidden_by_early_exit=False):
    """Check the fitted final estimator if there is one, else the parameter.

    With ``hidden_by_early_exit`` the method is also hidden when early exit is
    on.
    """

    def check(self):
        if hidden_by_early_exit and self.early_exit is not None:
            return False
        if hasattr(self, "final_estimator_"):
            return hasattr(self.final_estimator_, attr)
        final = self.final_estimator
        return hasattr(LogisticRegression() if final is None else final, attr)

    return check


class MultiGranularityClassifier(ClassifierMixin, _BaseMultiGranularity):
    """Stack classifiers that each see the input at another granularity.

    Each level is a ``(name, granularity, estimator)`` triple: the
    granularity (a scikit-learn transformer, or ``"passthrough"``) makes a
    coarse or fine view of ``X``, and the estimator learns from that view.
    The levels' out-of-fold predictions, made on the same folds for every
    level, train the ``final_estimator``. Every (level, fold) fit and every
    refit is one task of a single joblib ``Parallel`` call.

    Parameters
    ----------
    levels : list of (str, transformer or "passthrough", classifier or "drop"), \
            default=None
        The granularity levels, coarse first. A stateless granularity
        (``requires_fit=False`` tag, e.g. ``FunctionTransformer`` or
        ``Pool1D``) computes its view once per fit and shares it between the
        folds; a stateful one is fitted inside every fold. ``None`` uses two
        levels that work on any numeric table: ``("binned",
        KBinsDiscretizer(n_bins=8, strategy="uniform"),
        LogisticRegression())``, a coarse view of the values, and ``("raw",
        "passthrough", HistGradientBoostingClassifier())``. Both are
        deterministic.
    final_estimator : classifier, default=None
        The meta-learner fitted on the stacked out-of-fold predictions;
        ``None`` means ``LogisticRegression()``.
    cv : int, cross-validation generator or iterable, default=None
        How the out-of-fold predictions are made, as in scikit-learn's
        ``StackingClassifier``. An int is the number of ``StratifiedKFold``
        folds, and must not exceed the number of samples of the smallest
        class. ``None`` is 5 folds, or fewer (at least 2) when the smallest
        class has fewer than 5 samples. The folds must partition the samples,
        and are drawn once per fit for every level.
    stack_method : {"auto", "predict_proba", "decision_function", "predict"}, \
            default="auto"
        What each level hands to the meta-learner. ``"auto"`` takes the first
        of ``predict_proba``, ``decision_function``, ``predict`` that the
        level's estimator has. In binary problems the first probability
        column is dropped, as it is collinear with the second.
    passthrough : bool, default=False
        Also hand the raw features to the meta-learner.
    refit : bool, default=True
        After the out-of-fold fits, refit every level on all rows (as
        scikit-learn's stacking does). ``False`` skips the refits: each level
        keeps its fold models and predicts with their average (labels by
        vote), as a :class:`~skmgm._predictions.FoldBag` in ``levels_``. That
        is ``k`` fits per level instead of ``k + 1``, at ``k`` times the
        predict cost of a level.
    early_exit : None, "auto" or float in [0, 1], default=None
        Let confident samples stop at a coarse level at predict time. Levels
        are tried in the order given (coarse first): a sample whose top class
        probability at a level is strictly above that level's threshold gets
        the level's prediction, and only the other samples are transformed and
        predicted by the next levels; those left after the last level get the
        full stack. ``"auto"`` calibrates one threshold per level at fit time
        on the out-of-fold predictions the fit already made, coarse level
        first: each is lowered as long as the cascade's out-of-fold accuracy
        stays within ``early_exit_tolerance`` of the full stack's (the
        stack's own out-of-fold accuracy comes from refitting the small
        meta-learner per fold). One loss more than the folds show is counted
        against the cascade, so on small training sets (where one sample is
        more than the tolerance) a level must show gains before it takes
        samples.
        A float is the threshold of every level; 1.0 lets no sample exit.
        Only levels that hand probabilities to the stack can let samples
        exit, and never the last one. ``None``: every sample goes through
        every level. Single-label ``y`` only.
    early_exit_tolerance : float in [0, 1], default=0.005
        How much out-of-fold accuracy ``early_exit="auto"`` may give up
        against the full stack.
    n_jobs : int, default=None
        Number of joblib workers for the plan's tasks. ``None`` means 1 unless
        in a ``joblib.parallel_config`` context; -1 means all processors.
    verbose : int, default=0
        1 prints one line per finished task (level, fold or refit, seconds)
        to stderr; 2 and more add joblib's own progress lines; 0 is silent.
    timeout : float, default=None
        Seconds to wait for any one task (a level's fold fit or refit) when
        the tasks run in workers, as joblib's ``Parallel(timeout=...)``. A
        task still running then raises a ``TimeoutError`` naming its level
        and fold, instead of waiting forever on a worker that keeps dying.
        ``None`` waits as long as it takes. In-process runs (``n_jobs=1``)
        cannot be bounded; joblib warns there.
    Attributes
    ----------
    levels_ : list of (str, transformer or "passthrough", classifier)
        The levels whose estimator is not ``"drop"``, refitted on all rows.
    named_levels_ : :class:`~sklearn.utils.Bunch`
        The same by name; each entry has ``granularity`` and ``estimator``.
    final_estimator_ : classifier
        The fitted meta-learner.
    classes_ : ndarray of shape (n_classes,) or list of ndarray
        The class labels; for multilabel ``y``, one array per label.
    stack_method_ : list of str
        The method each level of ``levels_`` hands to the meta-learner.
    level_scores_ : dict of str to float
        Each level's out-of-fold accuracy (subset accuracy for multilabel
        ``y``), from the predictions that trained the meta-learner.
    level_fit_seconds_ : dict of str to float
        Each level's fit time, summed over its fold fits and its refit.
    early_exit_thresholds_ : dict of str to float
        With ``early_exit``: each level's confidence threshold (all levels but
        the last; 1.0 means the level lets no sample exit).
    early_exit_scores_ : dict of str to float
        With ``early_exit``: out-of-fold accuracy of the full stack
        (``"stack"``) and of the cascade (``"cascade"``).
    early_exit_shares_ : dict of str to float
        With ``early_exit``: the out-of-fold share of samples that exit at
        each level, and at ``"final_estimator"`` (the full stack).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    MultiGranularityRegressor : The same for regression.
    sklearn.ensemble.StackingClassifier : Stacking without granularities.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from skmgm import MultiGranularityClassifier
    >>> from skmgm.granularity import Pool2D
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = MultiGranularityClassifier(
    ...     levels=[
    ...         ("coarse", Pool2D((8, 8), window=2),
    ...          LogisticRegression(max_iter=1000)),
    ...         ("fine", "passthrough",
    ...          RandomForestClassifier(n_estimators=50, random_state=0)),
    ...     ],
    ...     cv=3,
    ... )
    >>> clf.fit(X[::2], y[::2]).score(X[1::2], y[1::2])
    0.9...
    >>> sorted(clf.level_scores_)
    ['coarse', 'fine']
    """

    _parameter_constraints: dict = {
        **_BaseMultiGranularity._parameter_constraints,
        "stack_method": [
            StrOptions({"auto", "predict_proba", "decision_function", "predict"})
        ],
        "early_exit": [None, StrOptions({"auto"}), Interval(Real, 0, 1, closed="both")],
        "early_exit_tolerance": [Interval(Real, 0, 1, closed="both")],
    }
    _estimator_kind = "classifier"

    def __init__(
        self,
        levels=None,
        final_estimator=None,
        *,
        cv=None,
        stack_method="auto",
        passthrough=False,
        refit=True,
        early_exit=None,
        early_exit_tolerance=0.005,
        n_jobs=None,
        verbose=0,
        timeout=None,
    ):
        self.levels = levels
        self.final_estimator = final_estimator
        self.cv = cv
        self.stack_method = stack_method
        self.passthrough = passthrough
        self.refit = refit
        self.early_exit = early_exit
        self.early_exit_tolerance = early_exit_tolerance
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.timeout = timeout

    def _default_levels(self):
        return [
            (
                "binned",
                KBinsDiscretizer(n_bins=8, strategy="uniform"),
                LogisticRegression(),
            ),
            ("raw", "passthrough", HistGradientBoostingClassifier()),
        ]

    def _default_final_estimator(self):
        return LogisticRegression()

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Fit the levels out of fold, refit them on all rows, fit the stack.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training samples.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multilabel indicator matrix. Multilabel ``y``
            needs level estimators that take it (e.g. forests, k-NN, or any
            classifier wrapped in ``MultiOutputClassifier``), uses ``KFold``
            folds, and a ``MultiOutputClassifier(LogisticRegression())``
            meta-learner when ``final_estimator=None``.
        **fit_params : dict
            ``sample_weight``, passed to every level's estimator and to the
            final estimator, as scikit-learn's stacking does.

        Returns
        -------
        self : MultiGranularityClassifier
            The fitted classifier.
        """
        _raise_for_params(fit_params, self, "fit", allow=["sample_weight"])
        levels = self._check_levels()
        X = self._validate_X(X, reset=True)
        y = self._encode_targets(y)
        if self._multilabel:
            self._check_multilabel_support(levels)
        fit_info = self._fit_stack(levels, X, y, fit_params)
        for stale in _EARLY_EXIT_ATTRIBUTES:  # from an earlier fit
            self.__dict__.pop(stale, None)
        if self.early_exit is not None:
            self._calibrate_early_exit(fit_info, y, fit_params.get("sample_weight"))
        return self

    def _calibrate_early_exit(self, fit_info, y, sample_weight):
        stack_labels = out_of_fold_stack_labels(
            self._make_final_estimator(),
            fit_info.X_meta,
            y,
            fit_info.splits,
            fit_info.final_params,
        )
        result = calibrate(
            [name for name, _, _ in self.levels_],
            self.stack_method_,
            fit_info.oof_predictions,
            y,
            stack_labels,
            early_exit=self.early_exit,
            tolerance=self.early_exit_tolerance,
            weights=sample_weight,
        )
        self.early_exit_thresholds_ = result.thresholds
        self.early_exit_scores_ = {
            "stack": result.stack_score,
            "cascade": result.cascade_score,
        }
        self.early_exit_shares_ = result.exit_shares

    def _encode_targets(self, y):
        """Encode the labels (one encoder per label for multilabel ``y``)."""
        target_type = type_of_target(y, input_name="y")
        if target_type == "multilabel-indicator":
            y = np.asarray(y.toarray() if hasattr(y, "toarray") else y)
            if self.early_exit is not None:
                raise ValueError(
                    f"early_exit={self.early_exit!r} takes 1-D class labels; y is "
                    "a multilabel indicator matrix. Use early_exit=None."
                )
            self._multilabel = True
            self._label_encoder = [LabelEncoder().fit(column) for column in y.T]
            self.classes_ = [encoder.classes_ for encoder in self._label_encoder]
            return np.column_stack(
                [enc.transform(col) for enc, col in zip(self._label_encoder, y.T)]
            )
        if target_type == "multiclass-multioutput":
            raise ValueError(
                f"{type(self).__name__} takes 1-D class labels or a multilabel "
                "indicator matrix (two values per column); y is "
                f"'multiclass-multioutput' with shape {np.shape(y)}."
            )
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        self._multilabel = False
        self._label_encoder = LabelEncoder().fit(y)
        self.classes_ = self._label_encoder.classes_
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes; "
                f"y has one class only: {self.classes_[0].tolist()!r}."
            )
        return self._label_encoder.transform(y)

    def _check_multilabel_support(self, levels):
        for name, _, estimator in levels:
            if not _is_drop(estimator) and not _takes_multilabel(estimator):
                raise ValueError(
                    f"Level {name!r}: estimator {estimator!r} does not take "
                    "multilabel y; wrap it in "
                    "sklearn.multioutput.MultiOutputClassifier, or use one that "
                    "does (e.g. RandomForestClassifier, KNeighborsClassifier)."
                )

    def _make_final_estimator(self):
        if not self._multilabel:
            return super()._make_final_estimator()
        if self.final_estimator is None:
            return MultiOutputClassifier(LogisticRegression())
        final = super()._make_final_estimator()
        if not _takes_multilabel(final):
            raise ValueError(
                f"final_estimator {final!r} does not take multilabel y; wrap it "
                "in sklearn.multioutput.MultiOutputClassifier, or leave "
                "final_estimator=None."
            )
        return final

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        estimators = [e for _, _, e in self._levels_for_tags() if not _is_drop(e)]
        if self.final_estimator is not None:
            estimators.append(self.final_estimator)
        multilabel = (
            self.early_exit is None
            and bool(estimators)
            and all(map(_takes_multilabel, estimators))
        )
        tags.classifier_tags.multi_label = multilabel
        tags.target_tags.multi_output = multilabel
        return tags

    def _n_classes(self):
        if self._multilabel:
            return [len(classes) for classes in self.classes_]
        return len(self.classes_)

    def _check_cv(self, y):
        if self._multilabel:
            # No stratification exists for multilabel y; check_cv also says KFold.
            return KFold(5) if self.cv is None else super()._check_cv(y)
        counts = np.bincount(y)
        smallest = int(np.argmin(counts))
        if self.cv is None:
            # The default adapts to small classes instead of failing on them.
            return StratifiedKFold(min(5, max(2, counts[smallest])))
        if isinstance(self.cv, Integral) and counts[smallest] < self.cv:
            raise ValueError(
                f"cv={self.cv} folds is more than the smallest class has "
                f"samples: class {self.classes_[smallest].tolist()!r} has "
                f"{counts[smallest]}. Every fold must see every class; lower cv "
                "to at most that number, or leave cv=None to adapt it."
            )
        return super()._check_cv(y)

    def _stack_method_of(self, name, estimator):
        wanted = _AUTO_METHODS if self.stack_method == "auto" else self.stack_method
        try:
            return _check_response_method(estimator, wanted).__name__
        except AttributeError as exc:
            raise ValueError(
                f"Level {name!r}: estimator {estimator!r} has none of the "
                f"methods stack_method={self.stack_method!r} asks for ({wanted})."
            ) from exc

    def _oof_score(self, y, predictions, method, sample_weight):
        if method == "predict":
            labels = predictions
        elif self._multilabel:
            threshold = 0.5 if method == "predict_proba" else 0.0
            labels = (predictions > threshold).astype(int)
        elif predictions.ndim == 1:  # binary decision_function
            labels = (predictions > 0).astype(int)
        else:
            labels = predictions.argmax(axis=1)
        # Subset accuracy for multilabel y, as ClassifierMixin.score.
        return float(accuracy_score(y, labels, sample_weight=sample_weight))

    def _level_columns(self, predictions, method):
        binary = not self._multilabel and len(self.classes_) == 2
        if method == "predict_proba" and binary:
            return predictions[:, 1:]
        return super()._level_columns(predictions, method)

    def predict(self, X):
        """Predict class labels for ``X``.

        With early exit (see ``early_exit``), each sample stops at the first
        level confident enough, and only the rest are passed to finer levels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Predicted class labels (a label matrix for multilabel ``y``).
        """
        check_is_fitted(self)
        if self._exits_early():
            return self._label_encoder.inverse_transform(self._predict_cascade(X))
        encoded = self.final_estimator_.predict(self._transform_validated(X))
        if self._multilabel:
            return np.column_stack(
                [
                    encoder.inverse_transform(column)
                    for encoder, column in zip(self._label_encoder, encoded.T)
                ]
            )
        return self._label_encoder.inverse_transform(encoded)

    @available_if(_final_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities of ``X``, from the final estimator.

        With early exit, a sample that exits at a level gets that level's
        probabilities; the others get the final estimator's.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes) or list of ndarray
            Probabilities, columns in the order of ``classes_``. For multilabel
            ``y``, a list with one ``(n_samples, 2)`` array per label, as
            scikit-learn's forests give: the probabilities of the label's
            two values (0 and 1).
        """
        check_is_fitted(self)
        if self._exits_early():
            return self._predict_proba_cascade(X)
        proba = self.final_estimator_.predict_proba(self._transform_validated(X))
        if self._multilabel:
            positive = align_predictions(
                self.final_estimator_, proba, "predict_proba", self._n_classes()
            )
            # The format of scikit-learn's forests, whatever the meta-learner's.
            return [np.column_stack([1 - p, p]) for p in positive.T]
        return proba

    @available_if(_final_estimator_has("decision_function", hidden_by_early_exit=True))
    def decision_function(self, X):
        """Decision values of ``X``, from the final estimator.

        Not available with ``early_exit``: a level's probabilities and the
        final estimator's decision values are on different scales, so the
        cascade has no decision function consistent with its predictions.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        decision : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The final estimator's decision function.
        """
        check_is_fitted(self)
        return self.final_estimator_.decision_function(self._transform_validated(X))

    @available_if(lambda self: self.early_exit is not None)
    def exit_levels(self, X):
        """The level at which each sample of ``X`` leaves the cascade.

        Available when ``early_exit`` is set. Only the levels a sample
        reaches are evaluated for it.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        levels : ndarray of object (str) of shape (n_samples,)
            The name of the level whose prediction the sample gets, or
            ``"final_estimator"`` for samples that go through the full stack.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from skmgm import MultiGranularityClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = MultiGranularityClassifier(early_exit="auto").fit(X, y)
        >>> sorted(set(clf.exit_levels(X)) - {"binned", "final_estimator"})
        []
        """
        check_is_fitted(self, "early_exit_thresholds_")
        exit_at = self._cascade(X)[0].exit_at
        names = [*(name for name, _, _ in self.levels_), "final_estimator"]
        return np.array(names, dtype=object)[exit_at]

    def _exits_early(self):
        return hasattr(self, "early_exit_thresholds_")

    def _cascade(self, X):
        """Run the levels coarse first; stack the rows no level let exit."""
        X = self._validate_X(X, reset=False)
        cascade = run_cascade(
            self._predict_level,
            len(self.levels_),
            self.early_exit_thresholds_,
            self.stack_method_,
            [name for name, _, _ in self.levels_],
            X,
        )
        rows = cascade.remaining
        if rows.size == 0:
            return cascade, None
        X_rows = _safe_indexing(X, rows)
        return cascade, self._stack(predictions_for_rows(cascade.seen, rows), X_rows)

    def _predict_cascade(self, X):
        cascade, X_meta = self._cascade(X)
        encoded = np.empty(len(cascade.exit_at), dtype=int)
        exited = cascade.exit_at < len(self.levels_)
        if exited.any():
            encoded[exited] = cascade.exit_proba[exited].argmax(axis=1)
        if X_meta is not None:
            encoded[cascade.remaining] = self.final_estimator_.predict(X_meta)
        return encoded

    def _predict_proba_cascade(self, X):
        cascade, X_meta = self._cascade(X)
        proba = np.zeros((len(cascade.exit_at), len(self.classes_)))
        exited = cascade.exit_at < len(self.levels_)
        if exited.any():
            proba[exited] = cascade.exit_proba[exited]
        if X_meta is not None:
            proba[cascade.remaining] = self.final_estimator_.predict_proba(X_meta)
        return proba


def _takes_multilabel(estimator):
    # MultiOutputClassifier says so by its multi_output tag, forests by both.
    tags = get_tags(estimator)
    return tags.classifier_tags.multi_label or tags.target_tags.multi_output
