"""The accuracy-weighted vote: scores, temperatures, weights, as a meta-learner."""

import numpy as np
import pytest
from scipy.special import softmax
from sklearn.datasets import load_iris, make_classification
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.preprocessing import KBinsDiscretizer, StandardScaler
from sklearn.tree import DecisionTreeClassifier

from skmgm import MultiGranularityClassifier
from skmgm._vote import LevelVote, fit_temperature, level_scores


def test_level_scores_by_hand():
    # A binary probability p becomes the symmetric scores -+ logit(p) / 2.
    scores = level_scores(np.array([[0.8], [0.5]]), "predict_proba", 2)
    np.testing.assert_allclose(scores, [[-np.log(4) / 2, np.log(4) / 2], [0, 0]])
    # A binary decision value keeps its sign on the positive class.
    scores = level_scores(np.array([[-3.0]]), "decision_function", 2)
    np.testing.assert_allclose(scores, [[1.5, -1.5]])
    # Probabilities of three classes: their logs; labels: one-hot rows.
    proba = np.array([[0.2, 0.3, 0.5]])
    np.testing.assert_allclose(level_scores(proba, "predict_proba", 3), np.log(proba))
    labels = np.array([[2.0], [0.0]])
    np.testing.assert_array_equal(
        level_scores(labels, "predict", 3), [[0, 0, 1], [1, 0, 0]]
    )


def test_temperature_matches_a_grid_search():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 200)
    scores = rng.normal(size=(200, 3))
    scores[np.arange(200), y] += 1.5

    def log_loss(t):
        return -np.log(softmax(scores / t, axis=1)[np.arange(200), y]).mean()

    grid = np.exp(np.linspace(-3, 3, 6001))
    best = grid[np.argmin([log_loss(t) for t in grid])]
    assert fit_temperature(scores, y) == pytest.approx(best, rel=1e-2)


def _blocks(n=300, seed=0):
    """Two levels' decision values on three classes: one good, one noisy."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    good = rng.normal(size=(n, 3))
    good[np.arange(n), y] += 3
    noisy = rng.normal(size=(n, 3))
    noisy[np.arange(n), y] += 0.3
    vote = LevelVote(level_widths=[3, 3], stack_methods=["decision_function"] * 2)
    return np.hstack([good, noisy]), y, vote


def test_weights_follow_the_power():
    X, y, vote = _blocks()
    equal = vote.set_params(power=0).fit(X, y).weights_
    np.testing.assert_allclose(equal, [0.5, 0.5])
    steep = vote.set_params(power=50).fit(X, y)
    assert steep.weights_[0] > 0.99
    np.testing.assert_array_equal(steep.predict(X), X[:, :3].argmax(axis=1))
    proba = vote.set_params(power=4).fit(X, y).predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1)


def test_integer_sample_weight_equals_repeated_rows():
    X, y, vote = _blocks(120)
    weights = np.arange(120) % 3
    weighted = LevelVote(**vote.get_params()).fit(X, y, sample_weight=weights)
    rows = np.repeat(np.arange(120), weights)
    repeated = LevelVote(**vote.get_params()).fit(X[rows], y[rows])
    np.testing.assert_allclose(weighted.weights_, repeated.weights_)
    np.testing.assert_allclose(
        weighted.temperatures_, repeated.temperatures_, rtol=1e-4
    )


def test_vote_needs_the_stack_layout():
    X, y, _ = _blocks(30)
    with pytest.raises(ValueError, match="final_estimator='vote'"):
        LevelVote().fit(X, y)


def test_a_single_level_passes_through():
    X, y = load_iris(return_X_y=True)
    level = ("ridge", StandardScaler(), RidgeClassifier())
    clf = MultiGranularityClassifier([level], final_estimator="vote").fit(X, y)
    scaler, ridge = clf.levels_[0][1:]
    np.testing.assert_array_equal(clf.predict(X), ridge.predict(scaler.transform(X)))


@pytest.mark.parametrize("n_classes", [2, 3])
def test_vote_in_the_stack(n_classes):
    X, y = make_classification(
        240, 8, n_informative=5, n_classes=n_classes, random_state=0
    )
    levels = [
        (
            "binned",
            KBinsDiscretizer(n_bins=4, strategy="uniform"),
            LogisticRegression(),
        ),
        ("tree", "passthrough", DecisionTreeClassifier(max_depth=3, random_state=0)),
        ("ridge", StandardScaler(), RidgeClassifier()),
    ]
    clf = MultiGranularityClassifier(levels, final_estimator="vote", passthrough=True)
    clf.fit(X, y)
    vote = clf.final_estimator_
    assert vote.level_widths == clf.level_output_widths_
    assert vote.stack_methods == clf.stack_method_
    # The weights rank the levels as their out-of-fold scores do.
    order = np.argsort(list(clf.level_scores_.values()))
    np.testing.assert_array_equal(np.argsort(vote.weights_), order)
    assert clf.predict_proba(X).shape == (240, n_classes)
    assert not hasattr(clf, "decision_function")


def test_vote_is_tunable_in_a_grid():
    clf = MultiGranularityClassifier(final_estimator="vote")
    clf.set_params(final_estimator__power=1.0)
    assert clf.final_estimator.power == 1.0
    X, y = load_iris(return_X_y=True)
    assert clf.fit(X, y).final_estimator_.power == 1.0


def test_the_regressor_has_no_vote():
    from skmgm import MultiGranularityRegressor

    with pytest.raises(ValueError, match="final_estimator"):
        MultiGranularityRegressor(final_estimator="vote").fit([[0.0], [1.0]], [0, 1])
