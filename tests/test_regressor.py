import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import load_linnerud
from sklearn.ensemble import (
    HistGradientBoostingRegressor,
    RandomForestRegressor,
    StackingRegressor,
)
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.linear_model import Ridge, RidgeCV
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, KFold, cross_val_predict
from sklearn.multioutput import MultiOutputRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import KBinsDiscretizer, StandardScaler
from sklearn.utils import get_tags

from skmgm import MultiGranularityRegressor


def _peer_estimators():
    return [
        ("ridge", RidgeCV()),
        ("rf", RandomForestRegressor(n_estimators=15, random_state=0)),
    ]


@pytest.mark.parametrize("passthrough", [False, True])
def test_equals_stacking_regressor_with_passthrough_levels(
    regression_data, passthrough
):
    X, y = regression_data
    cv = KFold(4, shuffle=True, random_state=2)
    peer = StackingRegressor(_peer_estimators(), cv=cv, passthrough=passthrough)
    ours = MultiGranularityRegressor(
        [(name, "passthrough", est) for name, est in _peer_estimators()],
        cv=cv,
        passthrough=passthrough,
    )
    peer.fit(X, y)
    ours.fit(X, y)
    assert_allclose(ours.transform(X), peer.transform(X), rtol=0, atol=1e-10)
    assert_allclose(ours.predict(X), peer.predict(X), rtol=0, atol=1e-10)


def test_level_scores_are_out_of_fold_r2(regression_data):
    X, y = regression_data
    cv = KFold(5, shuffle=True, random_state=0)
    ridge = Ridge(alpha=10.0)
    reg = MultiGranularityRegressor(
        [
            ("ridge", StandardScaler(), ridge),
            ("binned", KBinsDiscretizer(4, strategy="uniform"), ridge),
        ],
        cv=cv,
        fit_once=None,
    ).fit(X, y)
    # With fit_once=None the scaler is fitted inside each fold.
    oof = cross_val_predict(make_pipeline(StandardScaler(), ridge), X, y, cv=cv)
    assert reg.level_scores_["ridge"] == pytest.approx(r2_score(y, oof), rel=1e-6)
    assert reg.level_scores_["binned"] < reg.level_scores_["ridge"]
    assert reg.stack_method_ == ["predict", "predict"]


def test_grid_search_over_nested_level_parameters(regression_data):
    X, y = regression_data
    reg = MultiGranularityRegressor(
        [
            ("binned", KBinsDiscretizer(3, strategy="uniform"), Ridge()),
            ("raw", "passthrough", Ridge()),
        ],
        cv=3,
    )
    grid = GridSearchCV(
        reg,
        {"binned__granularity__n_bins": [2, 8], "raw__estimator__alpha": [0.1, 100]},
        cv=2,
    ).fit(X, y)
    best = grid.best_params_
    levels = grid.best_estimator_.named_levels_
    assert levels.binned.granularity.n_bins == best["binned__granularity__n_bins"]
    assert levels.raw.estimator.alpha == best["raw__estimator__alpha"]
    assert len(grid.cv_results_["params"]) == 4


def test_sample_weight_reaches_levels_and_final_estimator(regression_data):
    X, y = regression_data
    weights = np.ones(len(y))
    weights[:50] = 0.0
    reg = MultiGranularityRegressor(
        [("ridge", "passthrough", Ridge())], final_estimator=Ridge(), cv=3
    )
    weighted = reg.fit(X, y, sample_weight=weights).predict(X)
    unweighted = MultiGranularityRegressor(
        [("ridge", "passthrough", Ridge())], final_estimator=Ridge(), cv=3
    ).fit(X, y)
    assert not np.allclose(weighted, unweighted.predict(X))
    with pytest.raises(ValueError, match="enable_metadata_routing"):
        reg.fit(X, y, groups=np.arange(len(y)))


def test_multi_output_y_where_scikit_learn_stacking_raises():
    X, y = load_linnerud(return_X_y=True)
    levels = [
        ("ridge", "passthrough", RidgeCV()),
        ("rf", "passthrough", RandomForestRegressor(n_estimators=10, random_state=0)),
    ]
    with pytest.raises(ValueError, match="1d array"):
        StackingRegressor([(name, est) for name, _, est in levels]).fit(X, y)
    reg = MultiGranularityRegressor(levels, cv=4).fit(X, y)
    assert reg.predict(X).shape == (20, 3)
    # Every level hands its three outputs to the meta-learner.
    assert reg.transform(X).shape == (20, 6)
    assert len(reg.get_feature_names_out()) == 6
    assert get_tags(reg).target_tags.multi_output
    # The default levels hold HistGradientBoosting, which is single-output:
    # refused by name before any task runs.
    assert not get_tags(MultiGranularityRegressor()).target_tags.multi_output
    with pytest.raises(ValueError, match="Level 'raw': estimator Hist.*y has 3"):
        MultiGranularityRegressor().fit(X, y)
    # The remedy the message names.
    wrapped = MultiOutputRegressor(HistGradientBoostingRegressor(max_iter=5))
    reg = MultiGranularityRegressor([("raw", "passthrough", wrapped)], cv=4)
    assert reg.fit(X, y).predict(X).shape == (20, 3)


def test_predict_params_reach_the_final_estimator(regression_data):
    # As StackingRegressor: predict(X, return_std=True) asks the Gaussian
    # process for its standard deviations too.
    X, y = regression_data
    folds = KFold(3, shuffle=True, random_state=0)
    final = GaussianProcessRegressor()
    ours = MultiGranularityRegressor(
        [("ridge", "passthrough", Ridge())], final_estimator=final, cv=folds
    ).fit(X, y)
    theirs = StackingRegressor(
        [("ridge", Ridge())], final_estimator=final, cv=folds
    ).fit(X, y)
    mean, std = ours.predict(X[:20], return_std=True)
    expected_mean, expected_std = theirs.predict(X[:20], return_std=True)
    assert_allclose(mean, expected_mean)
    assert_allclose(std, expected_std)


def test_classifier_only_parameters_are_refused_naming_the_regressor():
    # early exit and staged fitting exist for the classifier only.
    with pytest.raises(TypeError, match=r"MultiGranularityRegressor.__init__\(\)"):
        MultiGranularityRegressor(early_exit="auto")
