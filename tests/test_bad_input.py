"""Bad input, end to end: every case gives a clear error, none hangs.

(The levels parameter's own errors are in test_validation.py.)
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import is_classifier
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

from skmgm import MultiGranularityClassifier, MultiGranularityRegressor
from skmgm.granularity import CompetingKernels, DilatedKernels


@pytest.fixture(params=["classifier", "regressor"])
def model_and_data(request, binary_data, regression_data):
    if request.param == "classifier":
        return MultiGranularityClassifier(), *binary_data
    return MultiGranularityRegressor(), *regression_data


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf_where_a_level_cannot_take_it(model_and_data, bad):
    model, X, y = model_and_data
    X = X.copy()
    X[3, 2] = bad
    with pytest.raises(ValueError, match="Input X contains") as info:
        model.fit(X, y)
    if np.isnan(bad):
        # The note names the levels that refuse NaN (the binned level here).
        assert "'binned'" in "\n".join(getattr(info.value, "__notes__", []))


def test_nan_passes_when_every_level_takes_it(binary_data):
    X, y = binary_data
    X = X.copy()
    X[::7, 1] = np.nan
    levels = [("raw", "passthrough", HistGradientBoostingClassifier(max_iter=20))]
    clf = MultiGranularityClassifier(levels).fit(X, y)
    assert clf.predict(X).shape == y.shape


def test_empty_x(model_and_data):
    model, X, y = model_and_data
    with pytest.raises(ValueError, match="0 sample"):
        model.fit(X[:0], y[:0])


def test_one_sample(binary_data, regression_data):
    X, y = binary_data
    with pytest.raises(ValueError, match="at least 2 classes"):
        MultiGranularityClassifier().fit(X[:1], y[:1])
    X, y = regression_data
    with pytest.raises(ValueError, match="n_splits=5 greater than the number of"):
        MultiGranularityRegressor().fit(X[:1], y[:1])


def test_more_folds_than_samples_of_a_class(binary_data):
    X, y = binary_data
    rows = np.concatenate([np.flatnonzero(y == 0), np.flatnonzero(y == 1)[:3]])
    with pytest.raises(ValueError, match="cv=5 folds .* class 1 has 3"):
        MultiGranularityClassifier(cv=5).fit(X[rows], y[rows])


def test_wrong_number_of_features_at_predict(model_and_data):
    model, X, y = model_and_data
    model.fit(X, y)
    with pytest.raises(ValueError, match=f"expecting {X.shape[1]} features"):
        model.predict(X[:, :-1])


def test_feature_names_changed_between_fit_and_predict(model_and_data):
    model, X, y = model_and_data
    columns = [f"f{i}" for i in range(X.shape[1])]
    model.fit(pd.DataFrame(X, columns=columns), y)
    renamed = pd.DataFrame(X, columns=[*columns[:-1], "other"])
    with pytest.raises(ValueError, match="other"):
        model.predict(renamed)


def test_y_of_the_wrong_length(model_and_data):
    model, X, y = model_and_data
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        model.fit(X, y[:-1])
    # An empty y is a y of the wrong length too, not a y of no classes.
    with pytest.raises(
        ValueError, match=r"inconsistent numbers of samples: \[\d+, 0\]"
    ):
        model.fit(X, [])


def test_no_y_is_refused_alike_by_both_estimators(model_and_data):
    model, X, _ = model_and_data
    name = type(model).__name__
    with pytest.raises(ValueError, match=f"This {name} estimator requires y"):
        model.fit(X, None)


@pytest.mark.parametrize(
    "weights, message",
    [
        (np.ones(5), r"sample_weight.shape == \(5,\)"),
        (np.ones((150, 2)), "1D array"),
        (np.full(150, np.nan), "sample_weight contains NaN"),
    ],
    ids=["wrong length", "2-D", "NaN"],
)
def test_bad_sample_weight_is_refused_before_any_task(model_and_data, weights, message):
    model, X, y = model_and_data
    with pytest.raises(ValueError, match=message) as info:
        model.fit(X, y, sample_weight=weights)
    # The caller's weights, not a level, are at fault.
    assert not getattr(info.value, "__notes__", [])


@pytest.mark.parametrize("unweighted", ["level", "final_estimator"])
def test_weights_for_an_estimator_that_takes_none_name_it(model_and_data, unweighted):
    model, X, y = model_and_data
    knn = KNeighborsClassifier() if is_classifier(model) else KNeighborsRegressor()
    if unweighted == "level":
        model.set_params(raw__estimator=knn)
        match = "Level 'raw': estimator KNeighbors"
    else:
        model.set_params(final_estimator=knn)
        match = "final_estimator: estimator KNeighbors"
    with pytest.raises(TypeError, match=match):
        model.fit(X, y, sample_weight=np.ones(len(y)))
    # No weights at all, as in scikit-learn: None is not handed on.
    model.fit(X, y, sample_weight=None)


def test_object_arrays(model_and_data):
    model, X, y = model_and_data
    numbers_as_objects = X.astype(object)
    model.fit(numbers_as_objects, y)  # numeric objects convert, as in sklearn
    words = numbers_as_objects.copy()
    words[0, 0] = "seven"
    with pytest.raises(ValueError, match="seven"):
        model.fit(words, y)


def test_continuous_y_for_the_classifier(binary_data):
    X, _ = binary_data
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        MultiGranularityClassifier().fit(X, np.linspace(0, 1, len(X)))


def test_bad_parameter_values_are_named(binary_data):
    X, y = binary_data
    with pytest.raises(ValueError, match="'timeout' parameter"):
        MultiGranularityClassifier(timeout=-1).fit(X, y)
    with pytest.raises(ValueError, match="'refit' parameter"):
        MultiGranularityClassifier(refit="yes").fit(X, y)
    with pytest.raises(ValueError, match="'early_exit_tolerance' parameter"):
        MultiGranularityClassifier(early_exit_tolerance=2).fit(X, y)


@pytest.mark.parametrize(
    "estimator",
    [MultiGranularityClassifier(), CompetingKernels(), DilatedKernels()],
    ids=lambda estimator: type(estimator).__name__,
)
def test_n_jobs_0_is_refused_by_name(estimator, binary_data):
    X, y = binary_data
    message = rf"'n_jobs' parameter of {type(estimator).__name__} .* Got 0"
    with pytest.raises(ValueError, match=message):
        estimator.set_params(n_jobs=0).fit(X, y)


def test_a_failing_level_is_named_with_its_fold(regression_data):
    X, y = regression_data
    levels = [("ok", "passthrough", Ridge()), ("broken", "passthrough", Ridge())]
    model = MultiGranularityRegressor(levels).set_params(broken__estimator__alpha=-1)
    with pytest.raises(ValueError, match="alpha") as info:
        model.fit(X, y)
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "level 'broken'" in notes


def test_inputs_are_not_modified(binary_data):
    X, y = binary_data
    X_before, y_before = X.copy(), y.copy()
    levels = [("lr", "passthrough", LogisticRegression())]
    clf = MultiGranularityClassifier(levels, early_exit="auto").fit(X, y)
    clf.predict_proba(X)
    clf.exit_levels(X)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)
