import pytest

import skmgm
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


@pytest.mark.parametrize(
    "option, value, message",
    [
        ("--cv", "1", "got 1, needs 2 or more"),
        ("--n-estimators", "0", "got 0, needs 1 or more"),
        ("--n-jobs", "0", "got 0; give a number of workers, or -1"),
        ("--cv", "five", "'five' is not an integer"),
    ],
)
def test_a_bad_option_is_refused_before_any_fit(capsys, option, value, message):
    with pytest.raises(SystemExit) as exit_:
        main(["demo", option, value])
    assert exit_.value.code == 2
    assert f"argument {option}: {message}" in capsys.readouterr().err


def test_demo_help_says_what_each_option_does(capsys):
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    out = capsys.readouterr().out
    for words in ("-1: all cores", "trees of each level", "folds of the stacking"):
        assert words in out
    assert "(default: 5)" in out


def test_version_is_printed(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"skmgm {skmgm.__version__}"
