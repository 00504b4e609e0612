"""The classifier's targets: single-label or multilabel, as two strategies.

Each strategy is fitted on ``y`` (it encodes the labels) and answers what
depends on the kind of target: the number of classes, the folds, the default
meta-learner, what a level's output means, and how encoded predictions go
back to the user's labels. The classifier holds one and never branches on
the kind of target itself.
"""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np
from sklearn.dummy import DummyClassifier
from sklearn.metrics import accuracy_score
from sklearn.model_selection import KFold, StratifiedKFold, check_cv
from sklearn.multioutput import MultiOutputClassifier
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import get_tags
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import column_or_1d

from skmgm._composition import is_drop
from skmgm._predictions import align_predictions, as_columns


def takes_multilabel(estimator) -> bool:
    """Whether ``estimator`` fits a multilabel indicator ``y``."""
    # MultiOutputClassifier says so by its multi_output tag, forests by both.
    tags = get_tags(estimator)
    return tags.classifier_tags.multi_label or tags.target_tags.multi_output


def encode_targets(y, *, owner: str, early_exit):
    """The strategy for ``y`` and the encoded ``y`` the levels learn."""
    target_type = type_of_target(y, input_name="y")
    if target_type == "multilabel-indicator":
        if early_exit is not None:
            raise ValueError(
                f"early_exit={early_exit!r} takes 1-D class labels; y is "
                "a multilabel indicator matrix. Use early_exit=None."
            )
        targets = MultilabelTargets()
    elif target_type == "multiclass-multioutput":
        raise ValueError(
            f"{owner} takes 1-D class labels or a multilabel indicator matrix "
            "(two values per column); y is 'multiclass-multioutput' with shape "
            f"{np.shape(y)}."
        )
    else:
        targets = SingleLabelTargets()
    return targets, targets.fit_encode(y, owner)


class SingleLabelTargets:
    """1-D class labels, encoded as 0 .. n_classes - 1."""

    def fit_encode(self, y, owner):
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        self.encoder = LabelEncoder().fit(y)
        self.classes_ = self.encoder.classes_
        if len(self.classes_) < 2:
            raise ValueError(
                f"{owner} needs samples of at least 2 classes; y has one class "
                f"only: {self.classes_[0].tolist()!r}."
            )
        return self.encoder.transform(y)

    @property
    def n_classes(self) -> int:
        return len(self.classes_)

    def check_cv(self, cv, y):
        counts = np.bincount(y)
        smallest = int(np.argmin(counts))
        if cv is None:
            # The default adapts to small classes instead of failing on them.
            return StratifiedKFold(min(5, max(2, counts[smallest])))
        if isinstance(cv, Integral) and counts[smallest] < cv:
            raise ValueError(
                f"cv={cv} folds is more than the smallest class has samples: "
                f"class {self.classes_[smallest].tolist()!r} has "
                f"{counts[smallest]}. Every fold must see every class; lower cv "
                "to at most that number, or leave cv=None to adapt it."
            )
        return check_cv(cv, y, classifier=True)

    def check_folds(self, cv, splits, y):
        """Warn once if a fold's training rows miss a class.

        A level fitted on them never names that class for the fold's held-out
        rows. Said once, here, instead of by every task that meets it (from a
        worker, where a caller cannot filter it).
        """
        missing = {
            fold: np.setdiff1d(np.arange(self.n_classes), y[train])
            for fold, (train, _) in enumerate(splits)
        }
        missing = {fold: classes for fold, classes in missing.items() if len(classes)}
        if not missing:
            return
        labels = self.classes_[np.unique(np.concatenate(list(missing.values())))]
        warnings.warn(
            f"cv={cv!r}: the training rows of fold(s) {list(missing)} hold no "
            f"row of class(es) {labels.tolist()!r}. A level fitted on them "
            "gives such a class probability 0 (its lowest decision value) for "
            "the fold's held-out rows, so the meta-learner learns from "
            "predictions that could not name it. A stratified splitter "
            "(StratifiedKFold) keeps every class in every fold where each has "
            "as many rows as there are folds.",
            UserWarning,
            stacklevel=2,
        )

    def check_levels(self, levels):
        """Any classifier takes 1-D labels."""

    def final_estimator(self, configured, make):
        """The meta-learner: ``make()`` clones and checks the configured one."""
        return make()

    def oof_labels(self, predictions, method):
        if method == "predict":
            return predictions
        if predictions.ndim == 1:  # binary decision_function
            return (predictions > 0).astype(int)
        return predictions.argmax(axis=1)

    def level_columns(self, predictions, method):
        """A binary level's first probability column is collinear: drop it."""
        if method == "predict_proba" and self.n_classes == 2:
            return predictions[:, 1:]
        return as_columns(predictions)

    def decode(self, encoded):
        return self.encoder.inverse_transform(encoded)

    def proba(self, final_estimator, proba):
        """A column per class of the fit: a meta-learner fitted on the rows a
        staged fit leaves it may have seen fewer classes."""
        return align_predictions(
            final_estimator, proba, "predict_proba", self.n_classes
        )


class MultilabelTargets:
    """A multilabel indicator matrix: one encoder, and one column, per label."""

    def fit_encode(self, y, owner):
        y = np.asarray(y.toarray() if hasattr(y, "toarray") else y)
        self.encoders = [LabelEncoder().fit(column) for column in y.T]
        self.classes_ = [encoder.classes_ for encoder in self.encoders]
        return np.column_stack(
            [enc.transform(col) for enc, col in zip(self.encoders, y.T)]
        )

    @property
    def n_classes(self) -> list:
        return [len(classes) for classes in self.classes_]

    def check_cv(self, cv, y):
        # No stratification exists for multilabel y; check_cv also says KFold.
        return KFold(5) if cv is None else check_cv(cv, y, classifier=True)

    def check_folds(self, cv, splits, y):
        """A label whose fold holds one value only is put back as a column
        of that value; nothing to warn of."""

    def check_levels(self, levels):
        for name, _, estimator in levels:
            if not is_drop(estimator) and not takes_multilabel(estimator):
                raise ValueError(
                    f"Level {name!r}: estimator {estimator!r} does not take "
                    "multilabel y; wrap it in "
                    "sklearn.multioutput.MultiOutputClassifier, or use one that "
                    "does (e.g. RandomForestClassifier, KNeighborsClassifier)."
                )

    def final_estimator(self, configured, make):
        """A multilabel meta-learner: the configured one, or the default
        (``make()`` clones and checks it), as it is if it takes multilabel y,
        else fitted once per label (the default's ``LogisticRegression`` too),
        so that ``final_estimator__<param>`` tunes it in a grid.
        """
        if isinstance(configured, str):  # "vote": it weighs classes per level
            raise ValueError(
                f"final_estimator={configured!r} does not take multilabel y; "
                "leave final_estimator=None (a logistic regression per label), "
                "or pass a classifier."
            )
        final = make()
        return final if takes_multilabel(final) else EachLabelClassifier(final)

    def oof_labels(self, predictions, method):
        if method == "predict":
            return predictions
        threshold = 0.5 if method == "predict_proba" else 0.0
        return (predictions > threshold).astype(int)

    def level_columns(self, predictions, method):
        return as_columns(predictions)

    def decode(self, encoded):
        return np.column_stack(
            [
                encoder.inverse_transform(column)
                for encoder, column in zip(self.encoders, encoded.T)
            ]
        )

    def proba(self, final_estimator, proba):
        """One array per label, a column per class in ``classes_``, as
        scikit-learn's forests give: ``(n_samples, 2)``, or
        ``(n_samples, 1)`` for a label of one value in training."""
        positive = align_predictions(
            final_estimator, proba, "predict_proba", self.n_classes
        )
        return [
            np.column_stack([1 - p, p])[:, :n_classes]
            for p, n_classes in zip(positive.T, self.n_classes)
        ]


class EachLabelClassifier(MultiOutputClassifier):
    """The default multilabel meta-learner: ``estimator`` fitted once per
    label, and a label that holds one value on the rows it is fitted on
    answered with that value (by a ``DummyClassifier``), as a forest answers
    it, where ``LogisticRegression`` would refuse the label."""

    def fit(self, X, Y, sample_weight=None, **fit_params):
        """Fit ``estimator`` on each label that holds two values.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The stacked predictions.
        Y : array-like of shape (n_samples, n_labels)
            The encoded labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to every label's estimator.
        **fit_params : dict
            Passed to every label's estimator.

        Returns
        -------
        self : EachLabelClassifier
            The fitted meta-learner.
        """
        Y = np.asarray(Y)
        one_value = np.array([np.unique(column).size < 2 for column in Y.T])
        fitted = iter([])
        if not one_value.all():
            super().fit(X, Y[:, ~one_value], sample_weight, **fit_params)
            fitted = iter(self.estimators_)
        self.estimators_ = [
            DummyClassifier(strategy="prior").fit(X, column) if one else next(fitted)
            for column, one in zip(Y.T, one_value)
        ]
        self.classes_ = [estimator.classes_ for estimator in self.estimators_]
        self.n_features_in_ = self.estimators_[0].n_features_in_
        return self


def oof_accuracy(targets, y, predictions, method, sample_weight) -> float:
    """A level's out-of-fold accuracy (subset accuracy for multilabel y)."""
    labels = targets.oof_labels(predictions, method)
    return float(accuracy_score(y, labels, sample_weight=sample_weight))
