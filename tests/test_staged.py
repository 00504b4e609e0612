"""Staged fitting: fine levels fitted only on the rows coarse levels leave open."""

import pickle
import warnings

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.model_selection import GridSearchCV
from sklearn.tree import DecisionTreeClassifier

from skmgm import MultiGranularityClassifier


class _Oracle(ClassifierMixin, BaseEstimator):
    """A level whose answer for a row does not depend on what it was fitted on.

    Column 1 is the class it names, column ``confidence`` its confidence: so
    out-of-fold and refitted answers agree, and which rows exit is known in
    advance.
    """

    def __init__(self, confidence=2):
        self.confidence = confidence

    def fit(self, X, y, sample_weight=None):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        X = np.asarray(X)
        n_classes = len(self.classes_)
        confidence = X[:, self.confidence]
        proba = np.tile((1 - confidence[:, None]) / (n_classes - 1), (1, n_classes))
        proba[np.arange(len(X)), X[:, 1].astype(int)] = confidence
        return proba

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


class _Recording(ClassifierMixin, BaseEstimator):
    """Logs the row ids (column 0) and weights of every fit; a real model else."""

    log = []

    def fit(self, X, y, sample_weight=None):
        X = np.asarray(X)
        _Recording.log.append((np.sort(X[:, 0]), sample_weight))
        self.model_ = LogisticRegression(max_iter=1000).fit(X[:, 3:], y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(np.asarray(X)[:, 3:])


@pytest.fixture
def rows():
    """Row id, the oracle's class and confidence, then informative features
    (the last also a second oracle's confidence)."""
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 60)
    features = rng.normal(size=(120, 4)) + y[:, None]
    confidence, second = np.where(rng.random((2, 120)) < 0.5, 0.99, 0.6)
    X = np.column_stack([np.arange(120), y, confidence, features, second])
    return X, y


@pytest.fixture
def runs(monkeypatch):
    """The level names of every plan the fit runs, in order."""
    runs = []
    run = MultiGranularityClassifier._run

    def counted(self, planned, *args):
        runs.append([plan.name for plan in planned])
        return run(self, planned, *args)

    monkeypatch.setattr(MultiGranularityClassifier, "_run", counted)
    return runs


def _staged_on_open_rows(levels, **params):
    """Staged, each later level fitted on the open rows alone (no settled
    share), unless ``params`` say otherwise."""
    params = {"staged_fit_settled": 0.0, **params}
    return MultiGranularityClassifier(levels, cv=3, staged_fit=True, **params)


def _staged(**params):
    levels = [
        ("oracle", "passthrough", _Oracle()),
        ("fine", "passthrough", _Recording()),
    ]
    return _staged_on_open_rows(levels, **params)


def test_later_levels_fit_exactly_the_rows_left_open(rows):
    X, y = rows
    _Recording.log = []
    clf = _staged(early_exit=0.9).fit(X, y)
    open_rows = np.flatnonzero(X[:, 2] <= 0.9)
    np.testing.assert_array_equal(clf.stage_rows_["fine"], open_rows)
    np.testing.assert_array_equal(clf.stage_rows_["oracle"], np.arange(120))
    # Every task of the fine level (3 folds, the refit) saw only open rows,
    # and together the folds' training rows cover them all.
    seen = [ids for ids, _ in _Recording.log]
    assert len(seen) == 4
    assert all(np.isin(ids, open_rows).all() for ids in seen)
    np.testing.assert_array_equal(max(seen, key=len), open_rows)
    report = clf.levels_report()
    assert list(report["fit_rows"]) == [120, len(open_rows)]
    assert clf.staged_fit_stopped_ is None


def test_an_out_of_bag_level_fits_once_on_the_rows_left_open(rows):
    from sklearn.ensemble import RandomForestClassifier

    X, y = rows
    forest = RandomForestClassifier(n_estimators=40, oob_score=True, random_state=0)
    levels = [("oracle", "passthrough", _Oracle()), ("forest", "passthrough", forest)]
    clf = _staged_on_open_rows(levels, early_exit=0.9)
    clf.fit(X, y)
    open_rows = np.flatnonzero(X[:, 2] <= 0.9)
    np.testing.assert_array_equal(clf.stage_rows_["forest"], open_rows)
    fitted = clf.named_levels_.forest.estimator
    assert fitted.oob_decision_function_.shape == (len(open_rows), 2)
    assert clf.level_scores_["forest"] == pytest.approx(fitted.oob_score_)


def _three_stages(**params):
    levels = [
        ("oracle", "passthrough", _Oracle()),
        ("middle", "passthrough", _Oracle(confidence=7)),
        ("fine", "passthrough", _Recording()),
    ]
    return _staged_on_open_rows(levels, **params)


@pytest.mark.parametrize("share", [0.25, 0.5, 1.0])
def test_a_share_of_the_settled_rows_trains_the_finer_levels(rows, share):
    X, y = rows
    _Recording.log = []
    clf = _three_stages(
        early_exit=0.9, staged_fit_settled=share, staged_fit_settled_ratio=None
    ).fit(X, y)
    # Each oracle lets the rows exit whose confidence column passes 0.9.
    open_after = {
        "middle": np.flatnonzero(X[:, 2] <= 0.9),
        "fine": np.flatnonzero((X[:, 2] <= 0.9) & (X[:, 7] <= 0.9)),
    }
    for name, open_rows in open_after.items():
        fitted_on = clf.stage_rows_[name]
        assert np.isin(open_rows, fitted_on).all()
        kept = np.setdiff1d(fitted_on, open_rows)
        assert len(kept) == round(share * (120 - len(open_rows)))
    # Nested: the fine level saw nothing the middle one did not, although a
    # share of all settled rows could have reached beyond the middle's rows.
    assert np.isin(clf.stage_rows_["fine"], clf.stage_rows_["middle"]).all()
    widest = max((ids for ids, _ in _Recording.log), key=len)
    np.testing.assert_array_equal(widest, clf.stage_rows_["fine"])
    # Exits stay where they were: the settled rows only trained the levels.
    expected = np.where(
        X[:, 2] > 0.9,
        "oracle",
        np.where(X[:, 7] > 0.9, "middle", "final_estimator"),
    )
    np.testing.assert_array_equal(clf.exit_levels(X), expected)


@pytest.mark.parametrize("ratio", [None, 0.1, 0.25, 3.0])
def test_the_settled_rows_per_open_row_are_capped(rows, ratio):
    X, y = rows
    clf = _three_stages(
        early_exit=0.9, staged_fit_settled=0.5, staged_fit_settled_ratio=ratio
    ).fit(X, y)
    open_rows = np.flatnonzero(X[:, 2] <= 0.9)
    n_settled = 120 - len(open_rows)
    kept = np.setdiff1d(clf.stage_rows_["middle"], open_rows)
    expected = round(0.5 * n_settled)
    if ratio is not None:
        expected = min(expected, round(ratio * len(open_rows)))
    assert np.isin(open_rows, clf.stage_rows_["middle"]).all()
    assert len(kept) == expected
    # The rows are drawn so that the cap binds at least once.
    assert ratio is None or ratio > 1 or expected < round(0.5 * n_settled)


class _CountingMeta(LogisticRegression):
    """A logistic meta-learner that keeps the number of rows it was fitted on."""

    def fit(self, X, y, sample_weight=None):
        self.n_fit_rows_ = len(y)
        return super().fit(X, y, sample_weight=sample_weight)


@pytest.mark.parametrize("share", [0.0, 0.5])
def test_the_meta_learner_fits_the_rows_that_reach_it(rows, share):
    X, y = rows
    clf = _staged(
        early_exit=0.9, staged_fit_settled=share, final_estimator=_CountingMeta()
    ).fit(X, y)
    open_rows = np.flatnonzero(X[:, 2] <= 0.9)
    assert len(clf.stage_rows_["fine"]) > len(open_rows) or share == 0
    assert clf.final_estimator_.n_fit_rows_ == len(open_rows)
    assert clf.staged_fit_padded_ == {}


def test_predict_exits_where_training_did(rows):
    X, y = rows
    clf = _staged(early_exit=0.9).fit(X, y)
    exits = clf.exit_levels(X)
    closed = np.setdiff1d(np.arange(120), clf.stage_rows_["fine"])
    assert set(exits[closed]) == {"oracle"}
    assert "oracle" not in set(exits[clf.stage_rows_["fine"]])
    shares = clf.early_exit_shares_
    assert shares["oracle"] == pytest.approx(len(closed) / 120)


def test_threshold_one_skips_nothing_and_equals_the_plain_fit(rows):
    X, y = rows
    levels = [
        ("tree", "passthrough", DecisionTreeClassifier(max_depth=2, random_state=0)),
        ("lr", "passthrough", LogisticRegression(max_iter=1000)),
    ]
    staged = MultiGranularityClassifier(levels, early_exit=1.0, staged_fit=True)
    plain = MultiGranularityClassifier(levels, early_exit=1.0)
    staged.fit(X, y)
    plain.fit(X, y)
    assert all(len(r) == 120 for r in staged.stage_rows_.values())
    np.testing.assert_array_equal(staged.predict(X), plain.predict(X))
    np.testing.assert_allclose(staged.predict_proba(X), plain.predict_proba(X))


def test_sample_weight_is_sliced_with_the_rows(rows):
    X, y = rows
    weights = 1.0 + np.arange(120)
    _Recording.log = []
    clf = _staged(early_exit=0.9).fit(X, y, sample_weight=weights)
    for ids, sample_weight in _Recording.log:
        np.testing.assert_array_equal(np.sort(sample_weight), weights[ids.astype(int)])
    assert clf.level_scores_["fine"] > 0.5


def test_open_rows_too_few_for_the_folds_are_padded_with_settled_rows(rows):
    X, y = rows
    X = X.copy()
    X[y == 1, 2] = 0.99  # every row of class 1 exits at the oracle
    _Recording.log = []
    clf = _staged(early_exit=0.9).fit(X, y)
    open_rows = np.flatnonzero(X[:, 2] <= 0.9)  # of class 0 only
    settled = np.setdiff1d(np.arange(120), open_rows)
    fine_rows = clf.stage_rows_["fine"]
    # The open rows and as many settled rows, evenly spaced: both classes;
    # the meta-learner's folds need the same.
    assert clf.staged_fit_padded_ == {"oracle": len(open_rows), "fine": len(open_rows)}
    expected = np.union1d(open_rows, settled[_evenly(len(settled), len(open_rows))])
    np.testing.assert_array_equal(fine_rows, expected)
    assert set(y[fine_rows]) == {0, 1} and clf.staged_fit_stopped_ is None
    assert all(np.isin(ids, fine_rows).all() for ids, _ in _Recording.log)
    # The oracle's exits stand, and the meta-learner's rows are the fine
    # level's: an out-of-fold answer for each.
    assert clf.early_exit_thresholds_["oracle"] == 0.9
    np.testing.assert_array_equal(clf.exit_levels(X) == "oracle", X[:, 2] > 0.9)


def test_a_threshold_every_open_row_passes_leaves_the_least_confident_open(rows):
    X, y = rows
    # Every row passes 0.5 at the oracle: its confidences are 0.6 and 0.99.
    clf = _staged(early_exit=0.5).fit(X, y)
    open_rows = np.flatnonzero(X[:, 2] == 0.6)
    assert clf.early_exit_thresholds_["oracle"] == pytest.approx(0.6)
    assert np.isin(open_rows, clf.stage_rows_["fine"]).all()
    assert len(clf.stage_rows_["fine"]) < 120
    np.testing.assert_array_equal(clf.exit_levels(X) == "oracle", X[:, 2] > 0.6)


def _evenly(n_candidates, n_kept):
    return np.linspace(0, n_candidates - 1, n_kept).round().astype(int)


def test_padding_doubles_until_the_folds_hold(rows):
    X, y = rows
    X = X.copy()
    X[:, 2] = 0.99
    X[[0, 1, 60], 2] = 0.6  # three rows left open, too few for three folds
    clf = _staged(early_exit=0.9).fit(X, y)
    # 3 settled rows (one per fold at most) then 6: 3 + 6 rows fill 3 folds.
    assert clf.staged_fit_padded_ == {"oracle": 6, "fine": 6}  # and the stack's
    assert len(clf.stage_rows_["fine"]) == 9


def test_a_level_equally_confident_on_every_row_lets_none_exit(rows):
    X, y = rows
    X = X.copy()
    X[:, 2] = 0.99
    clf = _staged(early_exit=0.9).fit(X, y)
    # Raised to the lowest confidence, the threshold leaves every row open.
    assert len(clf.stage_rows_["fine"]) == 120
    assert clf.early_exit_thresholds_["oracle"] == 0.99
    assert (clf.exit_levels(X) == "final_estimator").all()


@pytest.mark.parametrize("tenths, n_jobs", [(3, 1), (3, 2), (7, 2)])
def test_levels_are_fitted_together_once_staging_does_not_pay(
    rows, runs, tenths, n_jobs
):
    X, y = rows
    X = X.copy()
    X[:, 2] = np.where(np.arange(120) % 10 < tenths, 0.99, 0.6)  # exit the oracle
    clf = _three_stages(early_exit=0.9, n_jobs=n_jobs).fit(X, y)
    open_rows = np.flatnonzero(X[:, 2] <= 0.9)
    np.testing.assert_array_equal(clf.stage_rows_["middle"], open_rows)
    if n_jobs == 1 or tenths == 7:  # nothing idles, or 70% spared: one by one
        assert runs == [["oracle"], ["middle"], ["fine"]]
        assert clf.staged_fit_stopped_ is None
    else:  # 30% < 1 - 1/2: the middle and fine levels share one plan
        assert runs == [["oracle"], ["middle", "fine"]]
        np.testing.assert_array_equal(clf.stage_rows_["fine"], open_rows)
        assert "settled 30% of the 120 rows" in clf.staged_fit_stopped_
    # Each level's exits still stand, in order.
    expected = np.where(
        X[:, 2] > 0.9, "oracle", np.where(X[:, 7] > 0.9, "middle", "final_estimator")
    )
    np.testing.assert_array_equal(clf.exit_levels(X), expected)


def _two_classes_left_open():
    """Four classes, of which the coarse level settles classes 0 and 1: the
    fine level and the meta-learner are fitted on classes 2 and 3 only."""
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2, 3], 40)
    easy = np.where(y < 2, 4.0 * (2 * y - 1), 0.0)
    X = np.column_stack([easy, (y == 3) + rng.normal(scale=0.8, size=160)])
    X = np.column_stack([X, rng.normal(size=(160, 2))])
    levels = [
        ("coarse", "passthrough", LogisticRegression()),
        ("fine", "passthrough", RidgeClassifier()),
    ]
    return X, y, _staged_on_open_rows(levels, early_exit=0.9)


def test_a_stage_of_two_classes_of_more_fits_with_decision_values():
    """The rows left open may hold two classes only: a decision-function level
    fitted on them scores the others lowest, without a warning per task."""
    X, y, clf = _two_classes_left_open()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.fit(X, y)
    assert set(y[clf.stage_rows_["fine"]]) == {2, 3}
    assert clf.score(X, y) > 0.8


def test_a_meta_learner_of_fewer_classes_gives_every_class_a_column():
    """Probabilities come in a column per class of the fit, the classes the
    meta-learner never saw at 0 for the rows that reach it."""
    X, y, clf = _two_classes_left_open()
    clf.fit(X, y)
    assert clf.final_estimator_.classes_.tolist() == [2, 3]
    proba = clf.predict_proba(X)
    assert proba.shape == (len(y), 4)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    reached = clf.exit_levels(X) == "final_estimator"
    assert reached.any()
    np.testing.assert_array_equal(proba[reached][:, :2], 0)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))


def test_staged_fit_needs_early_exit(rows):
    X, y = rows
    with pytest.raises(ValueError, match="staged_fit=True needs early_exit"):
        _staged().fit(X, y)


@pytest.mark.parametrize("refit", [True, False])
def test_grid_search_refit_false_and_pickle(rows, refit):
    X, y = rows
    clf = _staged(early_exit="auto", refit=refit)
    grid = GridSearchCV(clf, {"early_exit_tolerance": [0.01, 0.1]}, cv=2).fit(X, y)
    model = grid.best_estimator_
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))


@pytest.mark.parametrize("backend", ["loky", "threading", "sequential"])
def test_every_joblib_backend_fits_the_same_stages(rows, backend):
    X, y = rows
    with parallel_config(backend=backend):
        clf = _staged(early_exit=0.9, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(
        clf.stage_rows_["fine"], np.flatnonzero(X[:, 2] <= 0.9)
    )


def _as_without_stages(staged, X, y):
    """``staged`` fitted and calibrated as the same model without stages."""
    plain = clone(staged).set_params(staged_fit=False).fit(X, y)
    assert staged.early_exit_thresholds_ == plain.early_exit_thresholds_
    np.testing.assert_array_equal(staged.exit_levels(X), plain.exit_levels(X))
    np.testing.assert_allclose(staged.predict_proba(X), plain.predict_proba(X))
    assert staged.early_exit_scores_ == pytest.approx(plain.early_exit_scores_)
    assert staged.early_exit_shares_ == pytest.approx(plain.early_exit_shares_)


def test_when_no_row_can_exit_the_levels_are_fitted_in_one_plan(rows, runs):
    X, y = rows
    # 120 rows: one wrong exit (1/120) is more than the tolerance.
    auto = _three_stages(
        early_exit="auto",
        early_exit_tolerance=0.005,
        final_estimator=DummyClassifier(strategy="most_frequent"),
    ).fit(X, y)
    assert runs == [["oracle", "middle", "fine"]]
    assert "no row could exit before the finer levels" in auto.staged_fit_stopped_
    assert all(len(fitted_on) == 120 for fitted_on in auto.stage_rows_.values())
    # Once the stack is fitted, rows exit where the oracle beats it: all.
    assert auto.early_exit_thresholds_["oracle"] == 0.0
    _as_without_stages(auto, X, y)


def test_padded_stages_still_fit_one_level_at_a_time(rows, runs):
    X, y = rows
    X = X.copy()
    X[y == 1, 2] = 0.99  # after the oracle, one class is left: padded
    clf = _three_stages(early_exit=0.9).fit(X, y)
    assert runs == [["oracle"], ["middle"], ["fine"]]
    # Class 0 only after each: the middle and fine levels and the stack.
    assert list(clf.staged_fit_padded_) == ["oracle", "middle", "fine"]
    # Each level's exits still stand, in order.
    expected = np.where(
        X[:, 2] > 0.9, "oracle", np.where(X[:, 7] > 0.9, "middle", "final_estimator")
    )
    np.testing.assert_array_equal(clf.exit_levels(X), expected)


def test_stages_charge_wrong_exits_in_full_and_take_no_noise_margin(rows):
    X, y = rows
    X = X.copy()
    wrong = np.flatnonzero(X[:, 2] == 0.99)[0]
    X[wrong, 1] = 1 - y[wrong]  # one confident row the oracle gets wrong
    # A budget of 3 rows less one unseen: the wrong exit (1 row) fits, but
    # not with the plain calibration's margin of 2 standard errors (2 rows).
    clf = _staged(early_exit="auto", early_exit_tolerance=3 / 120).fit(X, y)
    assert clf.early_exit_thresholds_["oracle"] == 0.6
    assert clf.exit_levels(X[[wrong]])[0] == "oracle"
