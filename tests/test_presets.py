"""The presets: documented levels, every view computed once, saved with skops."""

import numpy as np
import pytest
from joblib import effective_n_jobs, parallel_config
from numpy.testing import assert_array_equal
from sklearn.datasets import load_digits
from sklearn.linear_model import RidgeClassifierCV
from sklearn.preprocessing import StandardScaler

from skmgm import (
    MultiGranularityClassifier,
    MultiGranularityRegressor,
    make_image_levels,
    make_series_levels,
)
from skmgm._composition import is_label_free
from skmgm.granularity import DilatedKernels, SparseScaler
from skmgm.granularity import _kernels as kernels_module
from skmgm.linear_model import LeaveOneOutRidgeClassifier


@pytest.fixture(scope="module")
def rhythms():
    """Two classes of noisy sine waves that differ in period."""
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 30)
    periods = np.where(y == 0, 8, 11)[:, None]
    phases = rng.uniform(0, 2 * np.pi, size=(60, 1))
    X = np.sin(2 * np.pi * np.arange(48) / periods + phases)
    return X + rng.normal(scale=0.5, size=X.shape), y


SERIES_GRANULARITIES = ("competing_kernels", "kernels", "slope_kernels", "intervals")
IMAGE_GRANULARITIES = (
    "pixels", "shifted_pixels", "blocks", "competing_kernels", "kernels"
)  # fmt: skip


def _small_series_levels(**params):
    """Every series granularity, the optional one too, small."""
    params = {"granularities": SERIES_GRANULARITIES} | params
    return make_series_levels(random_state=0, n_features=168, **params)


def test_series_preset_levels_are_label_free_and_learn(rhythms):
    X, y = rhythms
    levels = _small_series_levels()
    assert all(is_label_free(granularity) for _, granularity, _ in levels)
    clf = MultiGranularityClassifier(levels, cv=3).fit(X[::2], y[::2])
    assert clf.score(X[1::2], y[1::2]) > 0.8


def test_series_preset_fits_every_level_once(capsys, rhythms):
    """Out of bag and by leave-one-out: no level has a fold fit."""
    X, y = rhythms
    clf = MultiGranularityClassifier(_small_series_levels(), cv=3, verbose=1)
    clf.fit(X, y)
    tasks = [line for line in capsys.readouterr().err.splitlines() if " level " in line]
    assert len(tasks) == len(SERIES_GRANULARITIES)
    assert all(line.endswith(" s") and " refit: " in line for line in tasks)
    per_fold = MultiGranularityClassifier(
        _small_series_levels(oob_score=False, leave_one_out=False), cv=3, verbose=1
    ).fit(X, y)
    tasks = [line for line in capsys.readouterr().err.splitlines() if " level " in line]
    assert len(tasks) == 4 * len(SERIES_GRANULARITIES)  # 3 folds and a refit each
    assert per_fold.score(X, y) > 0.8


def _small_image_levels(**params):
    """Every image granularity, small."""
    params = {"granularities": IMAGE_GRANULARITIES} | params
    return make_image_levels((8, 8), 0, n_estimators=30, n_features=168, **params)


def test_image_preset_levels_are_label_free_and_learn():
    X, y = load_digits(return_X_y=True)
    levels = _small_image_levels()
    assert all(is_label_free(granularity) for _, granularity, _ in levels)
    clf = MultiGranularityClassifier(levels, cv=3).fit(X[:600], y[:600])
    assert clf.score(X[600:900], y[600:900]) > 0.85  # chance: 0.1


def test_presets_build_regressor_levels(rhythms):
    X, _ = rhythms
    target = X[:, :8].mean(axis=1)
    reg = MultiGranularityRegressor(_small_series_levels(kind="regressor"), cv=3)
    assert reg.fit(X, target).score(X, target) > 0.5
    with pytest.raises(ValueError, match="kind='forest' must be one of"):
        make_series_levels(kind="forest")


def test_image_preset_builds_regressor_levels():
    X, _ = load_digits(return_X_y=True)
    X = X[:300]
    target = X[:, 27:29].mean(axis=1)  # two pixels near the centre
    reg = MultiGranularityRegressor(_small_image_levels(kind="regressor"), cv=3)
    assert reg.fit(X, target).score(X, target) > 0.5


def test_presets_are_deterministic_given_random_state(rhythms):
    X, y = rhythms
    first = MultiGranularityClassifier(_small_series_levels(), cv=3).fit(X, y)
    second = MultiGranularityClassifier(_small_series_levels(), cv=3).fit(X, y)
    assert_array_equal(first.decision_function(X), second.decision_function(X))


@pytest.mark.parametrize("preset", ["series", "images"])
def test_presets_save_with_skops_trusting_skmgm_sklearn_numpy_only(
    preset, rhythms, tmp_path
):
    sio = pytest.importorskip("skops.io")
    if preset == "series":
        X, y = rhythms
        levels = _small_series_levels()
    else:
        X, y = load_digits(return_X_y=True)
        X, y = X[:300], y[:300]
        levels = _small_image_levels()
    model = MultiGranularityClassifier(levels, cv=3).fit(X, y)
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert all(name.startswith(("skmgm.", "sklearn.", "numpy.")) for name in untrusted)
    loaded = sio.load(path, trusted=untrusted)
    assert_array_equal(loaded.predict(X), model.predict(X))


def test_series_preset_defaults_are_the_documented_choice():
    levels = make_series_levels()
    assert [name for name, _, _ in levels] == list(SERIES_GRANULARITIES)
    (_, kernels, _), (_, slope, _) = levels[1:3]
    for view in (kernels[0], slope[1]):
        assert (view.pooling, view.n_features, view.dtype) == (
            ("ppv",), 10_000, np.float32
        )  # fmt: skip
    # The ridge levels keep their leave-one-out decision values (fitted once),
    # their scalers part of the view, computed once.
    for _, view, ridge in levels[:3]:
        assert isinstance(ridge, LeaveOneOutRidgeClassifier)
        assert isinstance(view[-1], (StandardScaler, SparseScaler))
    per_fold = make_series_levels(granularities=("kernels",), leave_one_out=False)
    ((_, view, pipeline),) = per_fold
    assert isinstance(view, DilatedKernels)
    assert isinstance(pipeline[-1], RidgeClassifierCV)
    forest = levels[-1][2]
    assert forest.bootstrap and forest.oob_score  # fitted once, out of bag
    no_bag = make_series_levels(granularities=("intervals",), oob_score=False)
    assert not (no_bag[0][2].bootstrap or no_bag[0][2].oob_score)


def test_granularities_are_chosen_by_name_in_the_preset_order():
    levels = make_series_levels(granularities=("intervals", "slope_kernels"))
    assert [name for name, _, _ in levels] == ["slope_kernels", "intervals"]
    levels = make_series_levels(granularities=("kernels", "competing_kernels"))
    assert [name for name, _, _ in levels] == ["competing_kernels", "kernels"]
    levels = make_image_levels((8, 8), granularities=IMAGE_GRANULARITIES[::-1])
    assert [name for name, _, _ in levels] == list(IMAGE_GRANULARITIES)
    assert [name for name, _, _ in make_image_levels((8, 8))] == ["shifted_pixels"]
    with pytest.raises(ValueError, match=r"granularities=\('raw',\).*\['raw'\]"):
        make_image_levels((8, 8), granularities=("raw",))
    with pytest.raises(ValueError, match=r"granularities=\(\) is empty; choose"):
        make_series_levels(granularities=())
    # A level named twice is refused, not kept once.
    with pytest.raises(ValueError, match=r"names \['kernels'\] more than once"):
        make_series_levels(granularities=("kernels", "intervals", "kernels"))


def test_series_kernel_levels_take_the_pooling(rhythms):
    X, _ = rhythms
    levels = make_series_levels(
        random_state=0, pooling=("ppv", "mpv"), n_features=168,
        granularities=("kernels", "slope_kernels"),
    )  # fmt: skip
    kernels, slope = (granularity for _, granularity, _ in levels)
    assert kernels[0].pooling == ("ppv", "mpv")
    assert slope[1].pooling == ("ppv", "mpv")
    # Per pooling: two poolings double the kernel view's width.
    ((_, one, _),) = make_series_levels(
        random_state=0, n_features=168, granularities="kernels", pooling=("ppv",)
    )
    assert kernels.fit_transform(X).shape[1] == 2 * one.fit_transform(X).shape[1]


@pytest.mark.parametrize(
    "kind, C, expected", [("classifier", None, 10.0), ("regressor", None, 1.0),
                          ("classifier", 3.0, 3.0), ("regressor", 3.0, 3.0)],
)  # fmt: skip
def test_image_pixel_levels_take_their_penalty(kind, C, expected):
    levels = make_image_levels(
        (8, 8), granularities=("pixels", "shifted_pixels"), kind=kind, C=C
    )
    (_, _, svm), (_, _, shifted) = levels
    assert svm.C == shifted.estimator.C == expected
    assert shifted.image_shape == (8, 8)


def test_series_preset_kernel_views_take_the_dtype(rhythms):
    X, _ = rhythms
    levels = _small_series_levels(dtype=np.float32)
    views = [granularity for _, granularity, _ in levels[:3]]
    assert all(view.fit(X).transform(X).dtype == np.float32 for view in views)
    (_, series), (_, slope) = views[0][0].transformer_list
    assert series.dtype is slope[-1].dtype is views[2][1].dtype is np.float32


def test_hydras_parts_take_turns_on_every_lent_thread(monkeypatch, rhythms):
    """Lent two threads (as a level fitted alone is), Hydra's view computes
    its two parts in turn, each splitting its rows among both threads, not
    one part per thread."""
    threads = []
    lent_to_views = kernels_module.kernel_view_n_jobs

    def counted(n_jobs):
        lent = lent_to_views(n_jobs)
        threads.append(effective_n_jobs(lent))
        return lent

    monkeypatch.setattr(kernels_module, "kernel_view_n_jobs", counted)
    ((_, view, _),) = make_series_levels(
        random_state=0, granularities="competing_kernels"
    )
    with parallel_config(backend="threading", n_jobs=2):
        view.fit_transform(rhythms[0])
    assert threads == [2, 2]
