from skmgm.__main__ import PRESET, as_stacking_estimators, digits_levels, main


def test_demo_prints_levels_and_both_models(capsys):
    main(["demo", "--n-jobs", "1", "--n-estimators", "5", "--cv", "2"])
    out = capsys.readouterr().out
    for word in ("coarse", "medium", "fine", "StackingClassifier", PRESET):
        assert word in out
    assert "fit-time ratio" in out


def test_stacking_estimators_mirror_levels():
    estimators = as_stacking_estimators(digits_levels(5))
    assert [name for name, _ in estimators] == ["coarse", "medium", "fine"]
    coarse = estimators[0][1]
    assert coarse.steps[0][1].window == 4
