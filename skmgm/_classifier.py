"""MultiGranularityClassifier."""

from __future__ import annotations

from numbers import Real

from sklearn.base import ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from skmgm._compat import (
    HasMethods,
    Interval,
    StrOptions,
    _check_response_method,
)
from skmgm._composition import final_estimator_has
from skmgm._docstrings import Substitution
from skmgm._early_exit import EarlyExit
from skmgm._presets import binned_view
from skmgm._routing import route_predict_params
from skmgm._stacking import _BaseMultiGranularity
from skmgm._targets import encode_targets, oof_accuracy, takes_multilabel
from skmgm._vote import LevelVote

_AUTO_METHODS = ["predict_proba", "decision_function", "predict"]


def _early_exit_fitted(self):
    return getattr(self, "_early_exit", None) is not None


@Substitution()
class MultiGranularityClassifier(ClassifierMixin, _BaseMultiGranularity):
    """Stack classifiers that each see the input at another granularity.

    {intro}

    Parameters
    ----------
    levels : list of (str, transformer or "passthrough", classifier or "drop"), \
            default=None
        {levels} ``None`` uses two levels that work on any numeric table:
        ``("binned", KBinsDiscretizer(n_bins=8, strategy="uniform"),
        LogisticRegression())``, a coarse view of the values, and ``("raw",
        "passthrough", HistGradientBoostingClassifier(random_state=0))``. Both
        are deterministic (the seed pins the validation split that early
        stopping draws above 10,000 rows). The bins are one-hot encoded, in a
        sparse matrix, or dense under ``set_config(transform_output="pandas")``
        (frames cannot hold sparse data).
    final_estimator : classifier or "vote", default=None
        The meta-learner fitted on the stacked out-of-fold predictions;
        ``None`` means ``LogisticRegression(max_iter=1000)``. ``"vote"``
        averages the levels' probabilities instead, each calibrated by one
        fitted temperature and weighted by its out-of-fold accuracy to the
        power ``final_estimator__power`` (4 by default), as HIVE-COTE
        combines its modules: two numbers learnt per level, so it holds up
        where a few rows per class cannot teach a logistic meta-learner
        ``n_classes`` weights per stacked column, and a single level passes
        through unchanged. The series and image presets were scored with it.
    cv : int, cross-validation generator or iterable, default=None
        How the out-of-fold predictions are made, as in scikit-learn's
        ``StackingClassifier``. An int is the number of ``StratifiedKFold``
        folds, and must not exceed the number of samples of the smallest
        class. ``None`` is 5 folds, or fewer (at least 2) when the smallest
        class has fewer than 5 samples. {folds}
    stack_method : {{"auto", "predict_proba", "decision_function", "predict"}}, \
            default="auto"
        What each level hands to the meta-learner. ``"auto"`` takes the first
        of ``predict_proba``, ``decision_function``, ``predict`` that the
        level's estimator has. In binary problems the first probability
        column is dropped, as it is collinear with the second.
    {passthrough}
    {refit}
    {fit_once}
    {out_of_bag}
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
        meta-learner per fold). Two margins keep the out-of-fold figure from
        promising more than held-out rows give: one loss more than the folds
        show is counted against the cascade, so on small training sets
        (where one sample is more than the tolerance) a level must show
        gains before it takes samples; and the exits' change is charged two
        standard errors (``2 * sqrt(k) / n`` with ``k`` of the ``n`` rows
        answered differently by the level than by the stack), so exits that
        win about as often as they lose do not pass for free.
        A float is the threshold of every level; 1.0 lets no sample exit.
        A level's probabilities are its ``predict_proba``, or its decision
        values through a softmax whose temperature is fitted on its
        out-of-fold values (as ``final_estimator="vote"`` calibrates them);
        a level stacking labels (``"predict"``) cannot let samples exit, nor
        can the last level. ``None``: every sample goes through every level.
        Single-label ``y`` only.
    early_exit_tolerance : float in [0, 1], default=0.005
        How much out-of-fold accuracy ``early_exit="auto"`` may give up
        against the full stack.
    staged_fit : bool, default=False
        Train coarse to fine (needs ``early_exit``): the levels are fitted in
        order, each (folds and refit) on the rows that did not exit at the
        levels before it, and the meta-learner on the rows that reach it; a
        row exits at a level when that level's out-of-fold probability for it
        passes the level's threshold. With ``early_exit="auto"`` each
        threshold is calibrated when its level is fitted, before the finer
        levels exist: every exit is charged as a loss when wrong, as if the
        finer levels would have got the row right, and the exits together may
        lose at most ``early_exit_tolerance`` of the rows (less one row's
        worth; as every wrong exit is charged in full, without the noise
        margin of the plain calibration). A threshold that every row
        reaching its level would pass is raised to the lowest of their
        confidences, so that the least confident rows stay open for the
        finer levels and the meta-learner.
        The cascade's out-of-fold accuracy over all rows is in
        ``early_exit_scores_["cascade"]`` (``"stack"``: the meta-learner's,
        on the rows it was fitted on). When the rows left would not fill the
        folds (a fold with no row to predict, or one class to learn from),
        the next level is fitted on them and the fewest settled rows that
        fill them (doubling their number, evenly spaced), and
        ``staged_fit_padded_`` says how many. A level fitted alone leaves
        the other workers idle (they lend it their cores as threads, which
        pays only in part), so once a level lets less than
        ``1 - 1 / n_workers`` of the rows that reached it exit (half, on
        two), the levels after it are fitted together on the rows it left,
        in one plan (rows still exit at each, in order), and
        ``staged_fit_stopped_`` says so; on one worker every level is fitted
        alone. When one row is worth more
        than ``early_exit_tolerance`` (fewer than
        ``1 / early_exit_tolerance`` rows, with ``"auto"``) no row can exit
        before the finer levels are fitted, so every level is fitted on all
        rows in one plan and calibrated as without stages (the same model),
        and ``staged_fit_stopped_`` says that.
        ``stage_rows_`` holds the rows each level was fitted on;
        ``levels_report()`` their number and the fit seconds.
    staged_fit_settled : float in [0, 1], default=0.5
        With ``staged_fit=True``: the share of the rows that exited at
        coarser levels which each finer level is fitted on as well (evenly
        spaced in row order, so the fit stays deterministic), so that it
        still learns from easy rows. Exits are decided on the rows still
        open only, and the meta-learner is fitted on the rows that reach it
        (with settled rows only where its folds need them), as it sees only
        those at predict time. 0 fits each level on the open
        rows alone; 1, with ``staged_fit_settled_ratio=None``, fits every
        level on all rows. The default was chosen by the cascade's
        out-of-fold accuracy on training splits
        (``benchmarks/bench_settled.py``).
    staged_fit_settled_ratio : float >= 0 or None, default=0.5
        With ``staged_fit=True``: at most this many settled rows per open
        row in a finer level's fit, so that where a coarse level settles
        most rows, the few hard rows left are not outnumbered by easy ones,
        nor the fit paid for those. With both defaults a finer level is
        fitted on its open rows and half the smaller of the settled and the
        open rows. ``None`` keeps ``staged_fit_settled`` of the settled rows
        however few rows are open. The default was chosen with
        ``staged_fit_settled``, the cheapest setting within 0.002 of the
        best mean out-of-fold accuracy.
    {running}

    Attributes
    ----------
    levels_ : list of (str, transformer or "passthrough", classifier)
        {levels_}
    {named_levels}
    final_estimator_ : classifier
        The fitted meta-learner.
    classes_ : ndarray of shape (n_classes,) or list of ndarray
        The class labels; for multilabel ``y``, one array per label.
    stack_method_ : list of str
        The method each level of ``levels_`` hands to the meta-learner.
    level_scores_ : dict of str to float
        Each level's out-of-fold accuracy (subset accuracy for multilabel
        ``y``), from the predictions that trained the meta-learner.
    {fitted}
    early_exit_thresholds_ : dict of str to float
        With ``early_exit``: each level's confidence threshold (all levels but
        the last; 1.0 means the level lets no sample exit).
    early_exit_scores_ : dict of str to float
        With ``early_exit``: out-of-fold accuracy of the full stack
        (``"stack"``; with ``staged_fit=True``, on the rows it was fitted on)
        and of the cascade (``"cascade"``, over all rows).
    early_exit_shares_ : dict of str to float
        With ``early_exit``: the out-of-fold share of samples that exit at
        each level, and at ``"final_estimator"`` (the full stack).
    stage_rows_ : dict of str to ndarray
        With ``staged_fit=True``: the indices of the training rows each level
        was fitted on.
    staged_fit_stopped_ : str or None
        With ``staged_fit=True``: why levels were fitted together, in one
        plan (every level on all rows, or the levels after one that settled
        too few rows), or ``None``.
    staged_fit_padded_ : dict of str to int
        With ``staged_fit=True``: for each level after which the rows left
        would not have filled the folds, the number of settled rows added to
        the rows of what comes next (the next level, or after the last level
        the meta-learner) so that they do.
    {features_in}

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
        "final_estimator": [None, StrOptions({"vote"}), HasMethods("fit")],
        "stack_method": [
            StrOptions({"auto", "predict_proba", "decision_function", "predict"})
        ],
        "early_exit": [None, StrOptions({"auto"}), Interval(Real, 0, 1, closed="both")],
        "early_exit_tolerance": [Interval(Real, 0, 1, closed="both")],
        "staged_fit": ["boolean"],
        "staged_fit_settled": [Interval(Real, 0, 1, closed="both")],
        "staged_fit_settled_ratio": [None, Interval(Real, 0, None, closed="left")],
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
        fit_once="label_free",
        out_of_bag="auto",
        early_exit=None,
        early_exit_tolerance=0.005,
        staged_fit=False,
        staged_fit_settled=0.5,
        staged_fit_settled_ratio=0.5,
        n_jobs=None,
        verbose=0,
        timeout=None,
    ):
        super().__init__(
            levels,
            final_estimator,
            cv=cv,
            passthrough=passthrough,
            refit=refit,
            fit_once=fit_once,
            out_of_bag=out_of_bag,
            n_jobs=n_jobs,
            verbose=verbose,
            timeout=timeout,
        )
        self.stack_method = stack_method
        self.early_exit = early_exit
        self.early_exit_tolerance = early_exit_tolerance
        self.staged_fit = staged_fit
        self.staged_fit_settled = staged_fit_settled
        self.staged_fit_settled_ratio = staged_fit_settled_ratio

    def _default_levels(self):
        return [
            ("binned", binned_view(), LogisticRegression()),
            ("raw", "passthrough", HistGradientBoostingClassifier(random_state=0)),
        ]

    def _final_estimator_or_default(self):
        if isinstance(self.final_estimator, str):  # "vote"
            return LevelVote()
        return super()._final_estimator_or_default()

    def _default_final_estimator(self):
        # lbfgs stops at convergence: more iterations change only cut-short fits.
        return LogisticRegression(max_iter=1000)

    @Substitution()
    def fit(self, X, y, **fit_params):
        """Fit the levels out of fold, refit them on all rows, fit the stack.

        Parameters
        ----------
        X : {{array-like, sparse matrix}} of shape (n_samples, n_features)
            Training samples.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multilabel indicator matrix. Multilabel ``y``
            needs level estimators that take it (e.g. forests, k-NN, or any
            classifier wrapped in ``MultiOutputClassifier``), uses ``KFold``
            folds, and a ``MultiOutputClassifier(LogisticRegression(max_iter=1000))``
            meta-learner when ``final_estimator=None`` (a label of one value
            in every training row is answered with that value); a
            ``final_estimator`` that takes 1-D labels only is fitted once per
            label the same way.
        {sample_weight}

        Returns
        -------
        self : MultiGranularityClassifier
            The fitted classifier.
        """
        return super().fit(X, y, **fit_params)

    # ------------------------------------------------ hooks of the fit flow
    def _prepare_y(self, y, levels):
        self._targets, y = encode_targets(
            y, owner=type(self).__name__, early_exit=self.early_exit
        )
        self.classes_ = self._targets.classes_
        self._targets.check_levels(levels)
        return y

    def _after_fit(self, fit_info, y, sample_weight):
        self._early_exit = None
        if "early_exit" in fit_info:  # calibrated stage by stage
            self._early_exit = fit_info.early_exit
            return
        # A refit without stages must not keep an earlier fit's stages.
        for stale in ("stage_rows_", "staged_fit_stopped_", "staged_fit_padded_"):
            vars(self).pop(stale, None)
        if self.early_exit is not None:
            self._early_exit = EarlyExit.calibrated(
                self,
                fit_info,
                y,
                sample_weight,
                early_exit=self.early_exit,
                tolerance=self.early_exit_tolerance,
            )

    def _describe_stack_to(self, final_estimator):
        # The vote weighs levels, so it must know which columns are whose.
        if isinstance(final_estimator, LevelVote):
            final_estimator.set_params(
                level_widths=self.level_output_widths_,
                stack_methods=self.stack_method_,
            )

    def _fits_in_stages(self):
        if self.staged_fit and self.early_exit is None:
            raise ValueError(
                "staged_fit=True needs early_exit ('auto' or a threshold): the "
                "exit thresholds decide which rows the finer levels are fitted "
                "on; got early_exit=None."
            )
        return self.staged_fit

    def _make_final_estimator(self):
        make = super()._make_final_estimator
        return self._targets.final_estimator(self.final_estimator, make)

    def _n_classes(self):
        return self._targets.n_classes

    def _check_cv(self, y):
        return self._targets.check_cv(self.cv, y)

    def _pinned_splits(self, X, y, split_params):
        splits = super()._pinned_splits(X, y, split_params)
        self._targets.check_folds(self.cv, splits, y)
        return splits

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
        return oof_accuracy(self._targets, y, predictions, method, sample_weight)

    def _level_columns(self, predictions, method):
        return self._targets.level_columns(predictions, method)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        estimators = [estimator for _, _, estimator in self._iter_levels()]
        if self.final_estimator is not None:
            estimators.append(self._final_estimator_or_default())
        multilabel = (
            self.early_exit is None
            and bool(estimators)
            and all(map(takes_multilabel, estimators))
        )
        tags.classifier_tags.multi_label = multilabel
        tags.target_tags.multi_output = multilabel
        return tags

    # ----------------------------------------------------------- early exit
    def _fitted_early_exit(self) -> EarlyExit:
        if not _early_exit_fitted(self):
            raise AttributeError(
                f"This {type(self).__name__} was not fitted with early_exit."
            )
        return self._early_exit

    @property
    def early_exit_thresholds_(self):
        return self._fitted_early_exit().thresholds

    @property
    def early_exit_scores_(self):
        return self._fitted_early_exit().scores

    @property
    def early_exit_shares_(self):
        return self._fitted_early_exit().shares

    # ------------------------------------------------------------- predict
    @Substitution()
    def predict(self, X, **predict_params):
        """Predict class labels for ``X``.

        With early exit (see ``early_exit``), each sample stops at the first
        level confident enough, and only the rest are passed to finer levels.

        Parameters
        ----------
        {X}
        **predict_params : dict
            Passed to the final estimator's ``predict``, as in scikit-learn's
            stacking; with metadata routing, each level's granularity and
            estimator and the final estimator get what they requested. Not
            with early exit, where rows may never reach the final estimator.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Predicted class labels (a label matrix for multilabel ``y``).
        """
        check_is_fitted(self)
        routed = route_predict_params(self, predict_params)
        if _early_exit_fitted(self):
            if predict_params:
                raise TypeError(
                    f"predict got {sorted(predict_params)}, which early_exit="
                    f"{self.early_exit!r} cannot pass on: rows that exit early "
                    "never reach the final estimator."
                )
            X = self._validate_X(X, reset=False)
            return self._targets.decode(self._early_exit.predict(self, X))
        X_meta = self._transform_validated(X, routed.levels)
        encoded = self.final_estimator_.predict(X_meta, **routed.final)
        return self._targets.decode(encoded)

    @available_if(final_estimator_has("predict_proba"))
    @Substitution()
    def predict_proba(self, X):
        """Class probabilities of ``X``, from the final estimator.

        With early exit, a sample that exits at a level gets that level's
        probabilities; the others get the final estimator's (after a staged
        fit, 0 for a class that none of the rows it was fitted on holds).

        Parameters
        ----------
        {X}

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes) or list of ndarray
            Probabilities, columns in the order of ``classes_``. For multilabel
            ``y``, a list with one ``(n_samples, 2)`` array per label, as
            scikit-learn's forests give: the probabilities of the label's
            two values (0 and 1); ``(n_samples, 1)`` for a label that held
            one value in training.
        """
        check_is_fitted(self)
        if _early_exit_fitted(self):
            X = self._validate_X(X, reset=False)
            return self._early_exit.predict_proba(self, X)
        proba = self.final_estimator_.predict_proba(self._transform_validated(X))
        return self._targets.proba(self.final_estimator_, proba)

    @available_if(final_estimator_has("decision_function", hidden_by_early_exit=True))
    @Substitution()
    def decision_function(self, X):
        """Decision values of ``X``, from the final estimator.

        Not available with ``early_exit``: a level's probabilities and the
        final estimator's decision values are on different scales, so the
        cascade has no decision function consistent with its predictions.

        Parameters
        ----------
        {X}

        Returns
        -------
        decision : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The final estimator's decision function.
        """
        check_is_fitted(self)
        return self.final_estimator_.decision_function(self._transform_validated(X))

    @available_if(lambda self: self.early_exit is not None)
    @Substitution()
    def exit_levels(self, X):
        """The level at which each sample of ``X`` leaves the cascade.

        Available when ``early_exit`` is set. Only the levels a sample
        reaches are evaluated for it.

        Parameters
        ----------
        {X}

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
        >>> sorted(set(clf.exit_levels(X)) - {{"binned", "final_estimator"}})
        []
        """
        check_is_fitted(self)
        early_exit = self._fitted_early_exit()
        return early_exit.exit_levels(self, self._validate_X(X, reset=False))
