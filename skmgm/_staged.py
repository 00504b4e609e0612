"""Staged fitting: each level is fitted on the rows coarser levels left open.

``MultiGranularityClassifier(staged_fit=True)`` fits its levels in order. A
level's out-of-fold probabilities decide which of its rows exit there (the
same thresholds early exit uses at predict time); the next level is fitted
only on the rows left (and ``staged_fit_settled`` of the settled ones, at
most ``staged_fit_settled_ratio`` per open row), and the meta-learner on the
rows that reach it (padded with settled rows only where its folds need them).
"""

from __future__ import annotations

import numpy as np
from sklearn.utils import Bunch

from skmgm._compat import _check_method_params, _safe_indexing
from skmgm._early_exit import (
    NEVER,
    EarlyExit,
    accuracy_target,
    exit_probabilities,
    exit_temperatures,
    loosest_threshold,
    out_of_fold_stack_labels,
)

# Standard errors of a stage's out-of-fold change charged against its exits
# (``skmgm._early_exit.EXIT_MARGIN_Z`` for the plain fit). A stage already
# charges every wrong exit in full, as if the finer levels would get the row
# right; the margin is chosen as the plain fit's is
# (benchmarks/bench_exit_margin.py).
STAGED_EXIT_MARGIN_Z = 0.0


def restrict_splits(splits, rows, n_samples):
    """The folds on ``rows`` only, as positions within ``rows``."""
    position = np.full(n_samples, -1)
    position[rows] = np.arange(len(rows))
    restricted = []
    for train, test in splits:
        train, test = position[train], position[test]
        restricted.append((train[train >= 0], test[test >= 0]))
    return restricted


def _folds_hold(splits, y) -> bool:
    """Every fold has rows to predict and two classes to learn from."""
    return all(len(test) and len(np.unique(y[train])) >= 2 for train, test in splits)


def _on_rows(routed, X, rows):
    """The routed fit parameters, sliced to ``rows`` where they are per row."""

    def sliced(params):
        return _check_method_params(X, params=params, indices=rows)

    return Bunch(
        estimator={name: sliced(p) for name, p in routed.estimator.items()},
        granularity={name: sliced(p) for name, p in routed.granularity.items()},
        final=sliced(routed.final),
        split=sliced(routed.split),
    )


class _Cascade:
    """The exits decided so far, over all training rows.

    ``correct`` holds what the cascade gets right: a row that exited, its
    level's out-of-fold answer; a row still open counts as right, as if the
    finer levels would settle it (they are not fitted yet), so that each
    level's exits are charged in full against the tolerance (measured from
    ``reference``, a perfect 1.0 until the stack's answers are known).
    """

    def __init__(self, n_levels, weights):
        self.weights = weights
        self.n_levels = n_levels
        self.correct = np.ones(len(weights))
        self.exit_at = np.full(len(weights), n_levels)
        self.reference = 1.0

    def threshold(self, model, rows, confidence, level_correct):
        """The level's exit threshold, calibrated as early exit calibrates."""
        if model.early_exit != "auto":
            return float(model.early_exit)
        n_samples = len(self.weights)
        remaining = np.zeros(n_samples, dtype=bool)
        remaining[rows] = True
        full_confidence, full_correct = np.zeros(n_samples), np.zeros(n_samples)
        full_confidence[rows], full_correct[rows] = confidence, level_correct
        target = accuracy_target(self.reference, model.early_exit_tolerance, n_samples)
        return loosest_threshold(
            full_confidence,
            full_correct,
            self.correct,
            remaining,
            self.weights,
            target,
            margin_z=STAGED_EXIT_MARGIN_Z,
        )

    def open_rows(self):
        """The rows no level has let exit: those that reach the stack."""
        return np.flatnonzero(self.exit_at == self.n_levels)

    def settle(self, index, rows, exits, level_correct):
        self.correct[rows[exits]] = level_correct[exits]
        self.exit_at[rows[exits]] = index

    def settle_stack(self, rows, stack_correct):
        """The rows no level let exit: the stack's out-of-fold answers."""
        self.correct[rows] = stack_correct
        self.exit_at[rows] = self.n_levels

    def early_exit(self, names, thresholds, stack_score, temperatures):
        """The fitted cascade; its accuracy is out of fold over all rows."""
        total = self.weights.sum()
        shares = np.bincount(self.exit_at, self.weights, len(names) + 1) / total
        scores = {
            "stack": stack_score,  # on the rows the stack was fitted on
            "cascade": float(self.weights @ self.correct / total),
        }
        shares = dict(zip([*names, "final_estimator"], shares.tolist()))
        return EarlyExit(thresholds, scores, shares, temperatures)


def fit_staged(model, levels, X, y, inputs, final_estimator):
    """Fit ``levels`` coarse to fine, each on the rows still open, then the stack.

    ``inputs`` holds what the plain fit would use for every level: the routed
    fit parameters (``routed``), the folds (``splits``), the levels fitted
    once (``once``), the sample weights (``weights``) and the fit's
    ``Parallel`` (``parallel``), which every stage runs through. Sets the
    fitted attributes of ``model`` and returns what its early exit is built
    from.
    """
    weights = np.ones(len(y)) if inputs.weights is None else inputs.weights
    cascade = _Cascade(len(levels), np.asarray(weights, dtype=float))
    model.staged_fit_stopped_ = _why_no_row_can_exit(model, len(y))
    model.staged_fit_padded_ = {}
    if model.staged_fit_stopped_ is None:
        stages = _fit_stage_by_stage(model, levels, X, y, inputs, cascade)
    else:
        stages = _fit_in_one_plan(model, levels, X, y, inputs, cascade)
    _record_stages(model, stages.fitted, y, inputs.weights)
    stack_rows = stages.fit_rows
    if not stages.in_one_plan:
        stack_rows = _stack_rows(model, cascade, stages, y, inputs.splits)
    fit_info = _fit_stack_on_rows(
        model, stages.fitted, X, y, stack_rows, inputs, final_estimator
    )
    if stages.in_one_plan and model.early_exit == "auto":
        _calibrate_as_without_stages(model, cascade, stages, y, fit_info.stack_correct)
    # Only the open rows reach the meta-learner at predict time.
    open_rows = cascade.open_rows()
    stack_correct = fit_info.stack_correct[np.searchsorted(stack_rows, open_rows)]
    cascade.settle_stack(open_rows, stack_correct)
    fit_info.stack_score = float(
        np.average(fit_info.stack_correct, weights=cascade.weights[stack_rows])
    )
    names = [stage.plan.name for stage in stages.fitted]
    fit_info.early_exit = cascade.early_exit(
        names, stages.thresholds, fit_info.stack_score, stages.temperatures
    )
    return fit_info


def _why_no_row_can_exit(model, n_samples):
    """Why ``early_exit="auto"`` cannot let any row exit, or ``None``.

    Each stage's exits may lose at most the tolerance less one row's worth
    (the target ``_Cascade.threshold`` calibrates against); when one row is
    worth more than the tolerance, no threshold qualifies.
    """
    target = accuracy_target(1.0, model.early_exit_tolerance, n_samples)
    if model.early_exit != "auto" or target <= 1.0:
        return None
    return (
        f"With early_exit='auto' and {n_samples} rows, one wrong exit (1/"
        f"{n_samples}) is more than early_exit_tolerance="
        f"{model.early_exit_tolerance}, so no row could exit before the finer "
        "levels were fitted: every level was fitted on all rows, in one plan, "
        "and the exits calibrated against the stack's out-of-fold answers, as "
        "without stages."
    )


def _fit_in_one_plan(model, levels, X, y, inputs, cascade):
    """Every level on all rows at once: what the stages would fit, no row
    exiting before the finer levels are fitted, without waiting for each
    stage to end before the next starts. The thresholds are left to
    :func:`_calibrate_as_without_stages`."""
    rows = np.arange(len(y))
    fitted = _fit_on_rows(model, levels, X, y, rows, inputs)
    exiting = fitted[:-1]  # every level but the last could have let rows exit
    temperatures = exit_temperatures(
        [stage.plan.name for stage in exiting],
        [stage.plan.method for stage in exiting],
        [stage.fit.oof_predictions for stage in exiting],
        y, model._n_classes(), cascade.weights,
    )  # fmt: skip
    return Bunch(
        fitted=fitted,
        thresholds={},  # all calibrated once the stack is fitted
        temperatures=temperatures,
        fit_rows=rows,
        in_one_plan=True,
    )


def _fit_stage_by_stage(model, levels, X, y, inputs, cascade):
    """Each level on the rows the levels before it left open (and any share
    of the settled ones), its exits decided before the next is fitted; once a
    level settles too few rows for staging to pay (:func:`_staging_pays`),
    the levels after it are fitted together, on the rows it left open."""
    n_samples = len(y)
    rows = Bunch(open=np.arange(n_samples), fit=np.arange(n_samples))
    stages = Bunch(fitted=[], thresholds={}, temperatures={})
    n_workers = inputs.parallel.n_cores
    batch = levels[:1]
    while batch:
        for stage in _fit_on_rows(model, batch, X, y, rows.fit, inputs):
            stages.fitted.append(stage)
            if len(stages.fitted) < len(levels):
                n_reached = len(rows.open)
                _settle_at(model, cascade, stage, y, rows, stages)
        batch = levels[len(stages.fitted) :]
        if batch:
            rows.fit = _next_rows(model, stage.plan.name, rows, y, inputs.splits)
            settled = 1 - len(rows.open) / n_reached
            if _staging_pays(settled, n_workers) or len(batch) == 1:
                batch = batch[:1]
            else:
                model.staged_fit_stopped_ = _why_together(
                    stage.plan.name, settled, n_reached, n_workers, batch, rows
                )
    return Bunch(**stages, fit_rows=rows.fit, in_one_plan=False)


def _staging_pays(settled: float, n_workers: int) -> bool:
    """Whether to fit the next level alone, by the share of its rows that the
    last level settled.

    A stage fits one level while the other workers idle (they lend it their
    cores as threads, which pays only in part); the levels left, fitted
    together, keep every worker busy. So a level fitted alone pays only if it
    lets at least ``1 - 1 / n_workers`` of its rows exit, sparing the levels
    after it; the last level's share is the forecast. On one worker, always.
    """
    return settled >= 1 - 1 / n_workers


def _why_together(name, settled, n_reached, n_workers, batch, rows):
    names = ", ".join(repr(level[0]) for level in batch)
    return (
        f"Level {name!r} settled {settled:.0%} of the {n_reached} rows that "
        f"reached it, less than the {1 - 1 / n_workers:.0%} for which fitting "
        f"the next level alone pays on {n_workers} workers: the levels after "
        f"it ({names}) were fitted together, in one plan, on the "
        f"{len(rows.fit)} rows it left; rows still exit at each, in order."
    )


def _settle_at(model, cascade, stage, y, rows, stages):
    """Let the open rows that ``stage``'s level settles exit
    (``rows.open`` updated)."""
    plan, fit = stage.plan, stage.fit
    stages.temperatures |= exit_temperatures(
        [plan.name], [plan.method], [fit.oof_predictions], y[rows.fit],
        model._n_classes(), cascade.weights[rows.fit],
    )  # fmt: skip
    threshold, exits, level_correct = _exits_at(
        model, cascade, plan, fit, y, rows.fit, rows.open, stages.temperatures,
        leave_rows_open=True,
    )  # fmt: skip
    stages.thresholds[plan.name] = threshold
    cascade.settle(len(stages.fitted) - 1, rows.open, exits, level_correct)
    rows.open = rows.open[~exits]


def _next_rows(model, name, rows, y, splits):
    """The rows the level after ``name`` is fitted on: the open rows and
    ``staged_fit_settled`` of the settled ones, at most
    ``staged_fit_settled_ratio`` settled rows per open row, padded where the
    folds need it (:func:`_padded`)."""
    n_kept = round(model.staged_fit_settled * (len(y) - len(rows.open)))
    if model.staged_fit_settled_ratio is not None:
        n_kept = min(n_kept, round(model.staged_fit_settled_ratio * len(rows.open)))
    return _padded(model, name, rows.open, rows.fit, n_kept, y, splits)


def _stack_rows(model, cascade, stages, y, splits):
    """The rows the meta-learner is fitted on: those that reach it, padded
    where the folds need it (:func:`_padded`)."""
    last = stages.fitted[-1].plan.name
    return _padded(model, last, cascade.open_rows(), stages.fit_rows, 0, y, splits)


def _padded(model, name, open_rows, fit_rows, n_kept, y, splits):
    """``open_rows`` and ``n_kept`` settled rows of ``fit_rows`` and, when the
    folds would not hold on those (a fold without rows to predict or with one
    class to learn), the fewest more settled rows that let them, doubling
    their number (``staged_fit_padded_[name]`` records how many)."""
    n_samples = len(y)
    wanted = kept = _with_settled(open_rows, fit_rows, n_kept)
    while len(kept) < len(fit_rows) and not _folds_hold(
        restrict_splits(splits, kept, n_samples), y[kept]
    ):
        n_kept = max(2 * n_kept, len(open_rows), 1)
        kept = _with_settled(open_rows, fit_rows, n_kept)
    if len(kept) > len(wanted):
        model.staged_fit_padded_[name] = len(kept) - len(wanted)
    return kept


def _calibrate_as_without_stages(model, cascade, stages, y, stack_correct):
    """Calibrate the exits of levels fitted in one plan as early exit
    calibrates a plain fit's: against the stack's out-of-fold answers, known
    once every level and the meta-learner are fitted on all rows."""
    open_rows = stages.fit_rows
    cascade.settle_stack(open_rows, stack_correct)
    cascade.reference = float(cascade.weights @ cascade.correct / cascade.weights.sum())
    for index, stage in enumerate(stages.fitted[:-1]):
        threshold, exits, level_correct = _exits_at(
            model, cascade, stage.plan, stage.fit, y, stage.rows, open_rows,
            stages.temperatures,
        )  # fmt: skip
        stages.thresholds[stage.plan.name] = threshold
        cascade.settle(index, open_rows, exits, level_correct)
        open_rows = open_rows[~exits]


def _exits_at(
    model, cascade, plan, fit, y, fit_rows, open_rows, temperatures,
    leave_rows_open=False,
):  # fmt: skip
    """The level's threshold, which open rows exit there, and whether the
    level's out-of-fold answer is right for each open row.

    Only the open rows can exit: settled rows in the level's fit only
    trained it. With ``leave_rows_open``, a threshold every open row would
    pass is raised to the lowest confidence among them, so that the least
    confident rows stay open for the finer levels and the meta-learner to be
    fitted on.
    """
    confidence, level_correct = _level_answers(
        model, plan, fit, y[fit_rows], temperatures.get(plan.name)
    )
    at = np.searchsorted(fit_rows, open_rows)
    level_correct = level_correct[at]
    if confidence is None:
        return NEVER, np.zeros(len(open_rows), dtype=bool), level_correct
    confidence = confidence[at]
    threshold = cascade.threshold(model, open_rows, confidence, level_correct)
    exits = confidence > threshold
    if leave_rows_open and exits.all():
        threshold = float(confidence.min())
        exits = confidence > threshold
    return threshold, exits, level_correct


def _with_settled(open_rows, fit_rows, n_kept):
    """The open rows and ``n_kept`` of the settled ones.

    The settled rows kept are taken from the last level's rows, so that every
    level has an out-of-fold prediction for each row the meta-learner is
    fitted on; evenly spaced, not drawn at random, so that the fit stays
    deterministic and, where rows are sorted by class, every class keeps its
    share.
    """
    candidates = np.setdiff1d(fit_rows, open_rows)
    if n_kept == 0 or len(candidates) == 0:
        return open_rows
    spaced = np.linspace(0, len(candidates) - 1, min(n_kept, len(candidates)))
    return np.union1d(open_rows, candidates[spaced.round().astype(int)])


def _fit_on_rows(model, levels, X, y, rows, inputs):
    """``levels`` planned and fitted, out of fold, on ``rows`` only, in one
    plan: a ``Bunch(plan, fit, rows)`` per level."""
    X_rows = _safe_indexing(X, rows)
    routed = _on_rows(inputs.routed, X, rows)
    planned = model._plan(levels, X_rows, y[rows], routed, inputs.once, inputs.parallel)
    splits = restrict_splits(inputs.splits, rows, len(y))
    fitted = model._run(planned, y[rows], splits, inputs.parallel)
    return [Bunch(plan=p, fit=f, rows=rows) for p, f in zip(planned, fitted)]


def _level_answers(model, plan, fit, y_rows, temperature):
    """Each row's exit confidence (``None`` for a level without probabilities)
    and whether the level's out-of-fold answer is right."""
    labels = model._targets.oof_labels(fit.oof_predictions, plan.method)
    level_correct = (labels == y_rows).astype(float)
    proba = exit_probabilities(
        fit.oof_predictions, plan.method, model._n_classes(), temperature
    )
    return (None if proba is None else proba.max(axis=1)), level_correct


def _record_stages(model, stages, y, weights):
    targets = [
        (y[stage.rows], None if weights is None else np.asarray(weights)[stage.rows])
        for stage in stages
    ]
    model._record_levels(
        [stage.plan for stage in stages], [stage.fit for stage in stages], targets
    )
    model.stage_rows_ = {stage.plan.name: stage.rows for stage in stages}


def _fit_stack_on_rows(model, stages, X, y, rows, inputs, final_estimator):
    """The meta-learner on ``rows`` (those that reach it, and any settled rows
    the folds need), and its out-of-fold answers.

    Every level was fitted on a superset of ``rows``, so each has an
    out-of-fold prediction for every one of them.
    """
    oof_predictions = [
        stage.fit.oof_predictions[np.searchsorted(stage.rows, rows)] for stage in stages
    ]
    X_meta = model._stack(oof_predictions, _safe_indexing(X, rows))
    final_params = _on_rows(inputs.routed, X, rows).final
    model._fit_final_estimator(final_estimator, X_meta, y[rows], final_params)
    splits = restrict_splits(inputs.splits, rows, len(y))
    stack_labels = out_of_fold_stack_labels(
        model.final_estimator_, X_meta, y[rows], splits, final_params
    )
    return Bunch(
        oof_predictions=oof_predictions,
        X_meta=X_meta,
        splits=splits,
        final_params=final_params,
        stack_correct=(stack_labels == y[rows]).astype(float),
    )
