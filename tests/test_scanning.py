import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import ExtraTreesClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score

from skmgm.granularity import MultiGrainedScanner


class _FirstValueClassifier(ClassifierMixin, BaseEstimator):
    """P(class 1) is the window's first value: outputs are hand-checkable."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.n_seen_ = len(X)
        return self

    def predict_proba(self, X):
        return np.column_stack([1 - X[:, 0], X[:, 0]])

    def predict(self, X):
        return (X[:, 0] > 0.5).astype(int)


def test_hand_checked_pooling_of_class_vectors():
    X = np.array([[0.0, 0.2, 0.4, 0.6, 1.0, 0.8]])
    X = np.vstack([X, X[:, ::-1]])
    y = np.array([0, 1])
    scanner = MultiGrainedScanner(
        _FirstValueClassifier(),
        window=2,
        stride=1,
        normalize=False,
        pooling=("mean", "max"),
        n_segments=2,
    ).fit(X, y)
    # Five positions; the first values of the windows are X[:, :5].
    first = X[:, :5]
    expected = np.column_stack(
        [
            1 - first.mean(axis=1),
            first.mean(axis=1),
            1 - first.min(axis=1),
            first.max(axis=1),
            1 - first[:, :3].mean(axis=1),
            first[:, :3].mean(axis=1),
            1 - first[:, 3:].mean(axis=1),
            first[:, 3:].mean(axis=1),
        ]
    )
    assert_allclose(scanner.transform(X), expected)
    assert scanner.window_ == (2,) and scanner.stride_ == 1
    names = scanner.get_feature_names_out()
    assert list(names[:4]) == ["mean_class0", "mean_class1", "max_class0", "max_class1"]
    assert len(names) == expected.shape[1]


def test_normalised_windows_are_shape_plus_level_and_scale():
    scanner = MultiGrainedScanner(normalize=True)
    windows = np.array([[1.0, 3.0], [5.0, 5.0]])
    assert_allclose(
        scanner._instance_features(windows),
        [[-1.0, 1.0, 2.0, 1.0], [0.0, 0.0, 5.0, 0.0]],
    )


def test_fraction_window_and_default_stride():
    X = np.random.default_rng(0).normal(size=(20, 100))
    y = np.repeat([0, 1], 10)
    scanner = MultiGrainedScanner(window=0.2, random_state=0).fit(X, y)
    assert scanner.window_ == (20,)
    assert scanner.stride_ == 5


def test_image_patches():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 36))
    y = np.repeat([0, 1, 2], 10)
    scanner = MultiGrainedScanner(
        window=3, stride=1, image_shape=(6, 6), n_segments=2, random_state=0
    )
    view = scanner.fit_transform(X, y)
    # 3 classes x (mean, max) + 2x2 position cells x 3 classes.
    assert view.shape == (30, 3 * 2 + 4 * 3)
    assert scanner.transform(X).shape == view.shape
    assert len(scanner.get_feature_names_out()) == view.shape[1]


def test_instances_are_capped_evenly_per_row():
    X = np.random.default_rng(0).normal(size=(40, 200))
    y = np.repeat([0, 1], 20)
    scanner = MultiGrainedScanner(
        _FirstValueClassifier(), window=10, stride=1, max_instances=400
    ).fit(X, y)
    # 191 positions per row, but 400 // 40 = 10 sampled from each row.
    assert scanner.estimator_.n_seen_ == 400


def test_out_of_fold_vectors_do_not_leak():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 30))
    y = rng.integers(0, 2, size=120)  # unrelated to X
    scanner = MultiGrainedScanner(window=5, random_state=0)
    out_of_fold = scanner.fit_transform(X, y)
    in_sample = scanner.transform(X)
    # Mean P(class 1) over positions: column 1 of the mean pooling.
    oof_accuracy = np.mean((out_of_fold[:, 1] > 0.5) == y)
    in_sample_accuracy = np.mean((in_sample[:, 1] > 0.5) == y)
    assert oof_accuracy < 0.62
    assert in_sample_accuracy > 0.85


def test_rows_sorted_by_class_score_like_shuffled_rows():
    rng = np.random.default_rng(1)
    n, length = 120, 60
    X = rng.normal(size=(n, length))
    y = np.repeat([0, 1, 2], n // 3)
    starts = rng.integers(0, length - 8, size=n)
    for row, (label, start) in enumerate(zip(y, starts)):
        X[row, start : start + 8] += np.sin(np.linspace(0, (label + 1) * np.pi, 8)) * 3

    def accuracy(order):
        scanner = MultiGrainedScanner(window=8, random_state=0)
        view = scanner.fit_transform(X[order], y[order])
        return cross_val_score(LogisticRegression(), view, y[order], cv=4).mean()

    sorted_rows = accuracy(np.argsort(y, kind="stable"))
    shuffled_rows = accuracy(rng.permutation(n))
    assert sorted_rows > 0.8
    assert abs(sorted_rows - shuffled_rows) < 0.1


@pytest.mark.parametrize(
    "params, n_features, match",
    [
        ({"window": 50}, 40, r"window=50 is longer than the rows \(40,\)"),
        ({"window": 3, "image_shape": (5, 5)}, 24, r"image_shape=\(5, 5\) does not"),
        ({"window": (2, 2)}, 10, r"window=\(2, 2\) must have 1 value"),
        (
            {"pooling": ("mean", "median")},
            10,
            r"pooling=.* holds unknown names \['median'\]",
        ),
    ],
)
def test_bad_parameters_name_the_parameter(params, n_features, match):
    X = np.ones((6, n_features))
    y = np.array([0, 1] * 3)
    with pytest.raises(ValueError, match=match):
        MultiGrainedScanner(**params).fit(X, y)


def test_nan_is_refused():
    X = np.ones((6, 10))
    X[2, 3] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        MultiGrainedScanner(window=3).fit(X, np.array([0, 1] * 3))


def test_a_class_with_one_row_keeps_its_columns():
    # The fold without the class's only row fits an inner forest that knows
    # two classes of three: its vectors were narrower, and fit_transform broke.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 40))
    y = np.repeat([0, 1, 2], [40, 19, 1])
    scanner = MultiGrainedScanner(ExtraTreesClassifier(10, random_state=0), window=8)
    view = scanner.fit_transform(X, y)
    assert view.shape == scanner.transform(X).shape
    assert np.isfinite(view).all()
    # The rare class's columns are 0 for every row whose model never saw it.
    rare = [i for i, name in enumerate(scanner.get_feature_names_out())
            if "class2" in name]  # fmt: skip
    assert rare and np.all(view[y == 2][:, rare] == 0)
