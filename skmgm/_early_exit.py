"""Coarse-to-fine early exit: confidence thresholds calibrated out of fold.

A sample leaves the cascade at the first level whose top class probability
is strictly above that level's threshold; the rest get the full stack. A
level's probabilities are its ``predict_proba``, or its decision values
through a softmax whose temperature is fitted on its out-of-fold values (as
the vote calibrates them); a level stacking labels cannot let rows exit. The
thresholds are chosen on the out-of-fold predictions a fit already has, coarse
level first, each as loose as the accuracy budget allows. A fitted classifier
holds one :class:`EarlyExit` and delegates its cascade to it.
"""

from __future__ import annotations

import numpy as np
from scipy.special import softmax
from sklearn.model_selection import cross_val_predict
from sklearn.utils import Bunch

from skmgm._compat import _num_samples, _safe_indexing
from skmgm._predictions import as_columns
from skmgm._vote import fit_temperature, level_scores

# A threshold no probability exceeds: the level never lets a sample exit.
NEVER = 1.0

# Standard errors of the exits' out-of-fold change charged against them: the
# smallest margin whose mean held-out loss against the full stack, in
# cross-validation inside training splits, is at most half the default
# budget (benchmarks/bench_exit_margin.py). Staged fitting has its own,
# ``skmgm._staged.STAGED_EXIT_MARGIN_Z``.
EXIT_MARGIN_Z = 2.0


def out_of_fold_stack_labels(final_estimator, X_meta, y, splits, fit_params):
    """The meta-learner's own out-of-fold labels, on the folds of the levels.

    The level predictions in ``X_meta`` are already out of fold; refitting the
    (small) meta-learner per fold makes the full stack's accuracy out of fold
    too, so that the cascade is compared against an honest figure.
    """
    # n_jobs=1: a few fits of a small model, not worth sending to workers.
    return cross_val_predict(
        final_estimator, X_meta, y, cv=splits, params=fit_params, n_jobs=1
    )


def exit_temperatures(names, methods, oof_predictions, y, n_classes, weights):
    """Per decision-function level, the temperature of its exit probabilities,
    fitted on its out-of-fold decision values."""
    return {
        name: fit_temperature(
            level_scores(as_columns(predictions), method, n_classes), y, weights
        )
        for name, method, predictions in zip(names, methods, oof_predictions)
        if method == "decision_function"
    }


def exit_probabilities(predictions, method, n_classes, temperature):
    """A level's predictions as the probabilities its exits use, or ``None``."""
    if method == "predict_proba":
        return predictions
    if method != "decision_function" or temperature is None:
        return None
    scores = level_scores(as_columns(predictions), method, n_classes)
    return softmax(scores / temperature, axis=1)


def accuracy_target(reference: float, tolerance: float, n_samples: int) -> float:
    """The out-of-fold accuracy exits must keep: ``reference`` less the
    tolerance, plus one sample's worth.

    One loss more than the out-of-fold rows show: on small data a level must
    then prove gains before it takes samples (with 50 rows, one error is 2
    points, and no error seen certifies no 0.5-point budget). Above 1 (with
    a reference of 1), no sample can exit.
    """
    return reference - tolerance + 1 / n_samples


def calibrate(names, probas, y, stack_labels, *, early_exit, tolerance, weights):
    """Per-level thresholds and the cascade's out-of-fold accuracy.

    Every level but the last may let samples exit, if it has probabilities
    (``probas``: each level's out-of-fold exit probabilities, or ``None``).
    With ``early_exit="auto"`` each threshold is lowered, coarse level
    first, as long as the cascade's out-of-fold accuracy, less one
    sample's worth (1 / n_samples) for the losses the folds did not show and
    less the noise margin of :func:`loosest_threshold`, stays at least the
    full stack's minus ``tolerance``; a float is used as the threshold of
    every level.
    """
    weights = np.ones(len(y)) if weights is None else np.asarray(weights, float)
    total = weights.sum()
    correct = (stack_labels == y).astype(float)
    stack_score = float(weights @ correct / total)
    target = accuracy_target(stack_score, tolerance, len(y))
    remaining = np.ones(len(y), dtype=bool)
    exit_at = np.full(len(y), len(names))
    thresholds = {}
    for index, (name, proba) in enumerate(zip(names[:-1], probas)):
        if proba is None:
            thresholds[name] = NEVER
            continue
        confidence = proba.max(axis=1)
        level_correct = (proba.argmax(axis=1) == y).astype(float)
        if early_exit == "auto":
            threshold = loosest_threshold(
                confidence,
                level_correct,
                correct,
                remaining,
                weights,
                target,
                margin_z=EXIT_MARGIN_Z,
            )
        else:
            threshold = float(early_exit)
        thresholds[name] = threshold
        exiting = remaining & (confidence > threshold)
        correct[exiting] = level_correct[exiting]
        exit_at[exiting] = index
        remaining &= ~exiting
    shares = np.bincount(exit_at, weights=weights, minlength=len(names) + 1) / total
    return Bunch(
        thresholds=thresholds,
        stack_score=stack_score,
        cascade_score=float(weights @ correct / total),
        exit_shares=dict(zip([*names, "final_estimator"], shares.tolist())),
    )


def loosest_threshold(
    confidence, level_correct, correct, remaining, weights, target, margin_z
):
    """The lowest threshold whose exits keep the accuracy at ``target``.

    Lowering the threshold lets the remaining rows exit in order of falling
    confidence; each exit changes the accuracy by (level right - stack
    right). That out-of-fold change is an estimate, so it is charged
    ``margin_z`` standard errors (the square root of the summed squared
    weights of the rows whose answer changes, over the total weight): exits
    that win as often as they lose do not pass for free. The cut may only
    fall between distinct confidences, since a threshold cannot split tied
    rows. The threshold stops falling at the first cut below ``target``:
    jumping over such a dip to a lucky stretch further down would fit the
    noise of the out-of-fold estimate.
    """
    rows = np.flatnonzero(remaining)
    order = rows[np.argsort(-confidence[rows], kind="stable")]
    if order.size == 0:
        return NEVER
    sorted_confidence, sorted_weights = confidence[order], weights[order]
    change = level_correct[order] - correct[order]
    margin = margin_z * np.sqrt(np.cumsum(sorted_weights**2 * (change != 0)))
    gained = np.cumsum(sorted_weights * change) - margin
    score = (weights @ correct + gained) / weights.sum()
    cuts = np.flatnonzero(
        np.append(sorted_confidence[1:] < sorted_confidence[:-1], True)
    )
    below = score[cuts] < target - 1e-12
    allowed = cuts[: np.argmax(below)] if below.any() else cuts
    if allowed.size == 0:
        return NEVER
    last = allowed[-1]
    # Exactly the rows up to `last` are strictly above the next confidence.
    return float(sorted_confidence[last + 1]) if last + 1 < order.size else 0.0


def run_cascade(predict_levels, to_proba, thresholds, names, X):
    """Evaluate the levels coarse first, each on the rows still undecided.

    ``predict_levels(indices, X_rows)`` gives those levels' aligned
    predictions, ``to_proba(index, predictions)`` a level's exit
    probabilities (or ``None``). The levels up to each one that can let rows
    exit (:func:`levels_between_exits`) see the same rows, so they are
    predicted in one call, which can split them among the workers, as
    without early exit. Returns, for every row, the level index it exits at
    (``n_levels`` for the full stack), the probabilities of the rows that
    exited, the rows left for the stack and, per level, the rows it saw and
    its predictions.
    """
    n_samples, n_levels = _num_samples(X), len(names)
    exit_at = np.full(n_samples, n_levels)
    exit_proba = None
    remaining = np.arange(n_samples)
    seen = []
    for group in levels_between_exits(names, thresholds):
        predictions = predict_levels(group, _safe_indexing(X, remaining))
        seen += [(remaining, level_predictions) for level_predictions in predictions]
        index = group[-1]
        threshold = thresholds.get(names[index], NEVER)
        if threshold >= NEVER:
            continue
        proba = to_proba(index, predictions[-1])
        exits = proba.max(axis=1) > threshold
        if exit_proba is None:
            exit_proba = np.zeros((n_samples, proba.shape[1]))
        exit_at[remaining[exits]] = index
        exit_proba[remaining[exits]] = proba[exits]
        remaining = remaining[~exits]
        if remaining.size == 0:
            break
    return Bunch(exit_at=exit_at, exit_proba=exit_proba, remaining=remaining, seen=seen)


def levels_between_exits(names, thresholds) -> list[list[int]]:
    """The level indices in consecutive groups, each ending at a level that
    can let rows exit (its threshold below ``NEVER``), the levels after the
    last such one together."""
    groups, group = [], []
    for index, name in enumerate(names):
        group.append(index)
        if thresholds.get(name, NEVER) < NEVER:
            groups.append(group)
            group = []
    return [*groups, group] if group else groups


def predictions_for_rows(seen, rows):
    """Each level's predictions for ``rows`` (every level saw them)."""
    return [
        predictions[np.searchsorted(level_rows, rows)]
        for level_rows, predictions in seen
    ]


def _level_names(model):
    return [name for name, _, _ in model.levels_]


class EarlyExit:
    """A classifier's fitted cascade: its thresholds, and predict through them.

    Built by :meth:`calibrated` at the end of a fit. The classifier it serves
    (``model``) supplies its levels (``levels_``, ``stack_method_``,
    ``_predict_levels``), its stack (``_stack``) and its ``final_estimator_``.

    Parameters
    ----------
    thresholds : dict of str to float
        Each level's confidence threshold (every level but the last).
    scores : dict of str to float
        Out-of-fold accuracy of the full stack and of the cascade.
    shares : dict of str to float
        Out-of-fold share of samples exiting at each level and at the stack.
    temperatures : dict of str to float
        The temperature of each decision-function level's exit probabilities.
    """

    def __init__(self, thresholds: dict, scores: dict, shares: dict, temperatures):
        self.thresholds = thresholds
        self.scores = scores
        self.shares = shares
        self.temperatures = temperatures

    @classmethod
    def calibrated(cls, model, fit_info, y, sample_weight, *, early_exit, tolerance):
        """Calibrate on what ``model``'s fit saw (``fit_info``)."""
        stack_labels = out_of_fold_stack_labels(
            model.final_estimator_,
            fit_info.X_meta,
            y,
            fit_info.splits,
            fit_info.final_params,
        )
        names = _level_names(model)
        n_classes = len(model.classes_)
        temperatures = exit_temperatures(
            names, model.stack_method_, fit_info.oof_predictions, y, n_classes,
            sample_weight,
        )  # fmt: skip
        probas = [
            exit_probabilities(p, method, n_classes, temperatures.get(name))
            for name, method, p in zip(
                names, model.stack_method_, fit_info.oof_predictions
            )
        ]
        result = calibrate(
            names,
            probas,
            y,
            stack_labels,
            early_exit=early_exit,
            tolerance=tolerance,
            weights=sample_weight,
        )
        scores = {"stack": result.stack_score, "cascade": result.cascade_score}
        return cls(result.thresholds, scores, result.exit_shares, temperatures)

    def _to_proba(self, model):
        names = _level_names(model)

        def to_proba(index, predictions):
            return exit_probabilities(
                predictions,
                model.stack_method_[index],
                len(model.classes_),
                self.temperatures.get(names[index]),
            )

        return to_proba

    def run(self, model, X):
        """Run the levels coarse first; stack the rows no level let exit."""
        cascade = run_cascade(
            model._predict_levels,
            self._to_proba(model),
            self.thresholds,
            _level_names(model),
            X,
        )
        rows = cascade.remaining
        if rows.size == 0:
            return cascade, None
        X_rows = _safe_indexing(X, rows)
        return cascade, model._stack(predictions_for_rows(cascade.seen, rows), X_rows)

    def predict(self, model, X):
        """Encoded labels: an exiting row's level's, the others' stack's."""
        cascade, X_meta = self.run(model, X)
        encoded = np.empty(len(cascade.exit_at), dtype=int)
        exited = cascade.exit_at < len(model.levels_)
        if exited.any():
            encoded[exited] = cascade.exit_proba[exited].argmax(axis=1)
        if X_meta is not None:
            encoded[cascade.remaining] = model.final_estimator_.predict(X_meta)
        return encoded

    def predict_proba(self, model, X):
        """Probabilities: an exiting row's level's, the others' stack's."""
        cascade, X_meta = self.run(model, X)
        proba = np.zeros((len(cascade.exit_at), len(model.classes_)))
        exited = cascade.exit_at < len(model.levels_)
        if exited.any():
            proba[exited] = cascade.exit_proba[exited]
        if X_meta is not None:
            final = model.final_estimator_
            stacked = final.predict_proba(X_meta)
            proba[cascade.remaining] = model._targets.proba(final, stacked)
        return proba

    def exit_levels(self, model, X):
        """The name of the level each row exits at, or ``"final_estimator"``."""
        exit_at = self.run(model, X)[0].exit_at
        names = [*(name for name, _, _ in model.levels_), "final_estimator"]
        return np.array(names, dtype=object)[exit_at]
