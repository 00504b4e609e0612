"""ShiftAugmented: an estimator trained on images and their shifted copies."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from scipy import ndimage
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from skmgm._compat import HasMethods, Interval, _check_sample_weight, _fit_context
from skmgm._docstrings import Substitution
from skmgm.granularity._pooling import resolve_image_shape
from skmgm.granularity._stateless import FLOATS


def shift_images(images: np.ndarray, rows: int, columns: int, fill_value) -> np.ndarray:
    """``images`` (n, height, width) moved ``rows`` down and ``columns`` right
    (negative: up, left); the uncovered pixels take ``fill_value``."""
    # order=0: whole-pixel moves are copies, no interpolation.
    return ndimage.shift(
        images, (0, rows, columns), order=0, mode="constant", cval=fill_value
    )


def image_shifts(height: int, width: int, max_shift: int) -> list[tuple[int, int]]:
    """``(rows, columns)`` of every copy: 1 to ``max_shift`` pixels up, down,
    left and right, along the sides longer than the shift."""
    shifts = []
    for distance in range(1, max_shift + 1):
        if height > distance:
            shifts += [(distance, 0), (-distance, 0)]
        if width > distance:
            shifts += [(0, distance), (0, -distance)]
    return shifts


# The ``X`` parameter of every method, written once.
_with_images_text = Substitution(
    images="""X : array-like of shape (n_samples, n_features)
            Flattened images, row by row."""
)


def _estimator_has(attr):
    """For ``available_if``: the fitted estimator's method, else the given one's."""

    def check(self):
        fitted = getattr(self, "estimator_", None)
        getattr(self.estimator if fitted is None else fitted, attr)
        return True

    return check


@Substitution()
class ShiftAugmented(MetaEstimatorMixin, BaseEstimator):
    """Fit an estimator on images and on copies of them shifted by a pixel.

    The rows are flattened images. ``fit`` trains ``estimator`` on every
    image and on its copies moved 1 to ``max_shift`` pixels up, down, left
    and right (the uncovered pixels set to ``fill_value``), each copy with
    its image's label and sample weight; predictions are the estimator's on
    the images as given. The copies are the same object seen at neighbouring
    positions, a granularity of place: they teach the estimator that a digit
    moved by a pixel is the same digit, which a support vector machine on
    pixels does not learn from the images alone (the "virtual support
    vectors" of DeCoste and Schoelkopf, 2002). Fitting costs as much as
    fitting on ``1 + 4 * max_shift`` times the rows.

    A classifier or a regressor as ``estimator`` makes this one a classifier
    or a regressor; it offers the prediction methods ``estimator`` has.

    Parameters
    ----------
    estimator : estimator object
        Fitted on the images and their shifted copies; cloned.
    image_shape : tuple of (int, int)
        Height and width of the images; their product must be the number of
        features. One of them may be -1, inferred from the number of features
        as in ``numpy.reshape``.
    max_shift : int, default=1
        The copies are shifted by 1 to ``max_shift`` pixels, along each side
        of the image longer than the shift.
    fill_value : float, default=0.0
        The value of the pixels a shift uncovers (the background: 0 for
        scikit-learn's digits).

    Attributes
    ----------
    estimator_ : estimator object
        ``estimator`` fitted on the images and their copies.
    classes_ : ndarray of shape (n_classes,)
        The class labels, when ``estimator`` is a classifier.
    n_copies_ : int
        The number of rows ``estimator_`` was fitted on per image (the image
        and its shifted copies).
    {features_in}

    See Also
    --------
    skmgm.make_image_levels : Uses it for its ``"shifted_pixels"`` level.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.svm import SVC
    >>> from skmgm.granularity import ShiftAugmented
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = ShiftAugmented(SVC(C=10), image_shape=(8, 8)).fit(X[::2], y[::2])
    >>> clf.n_copies_
    5
    >>> clf.score(X[1::2], y[1::2]) > 0.98
    True
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"])],
        "image_shape": [tuple, list],
        "max_shift": [Interval(Integral, 1, None, closed="left")],
        "fill_value": [Real],
    }

    def __init__(self, estimator, image_shape, *, max_shift=1, fill_value=0.0):
        self.estimator = estimator
        self.image_shape = image_shape
        self.max_shift = max_shift
        self.fill_value = fill_value

    @_with_images_text
    @_fit_context(prefer_skip_nested_validation=False)  # estimator is validated
    def fit(self, X, y, sample_weight=None):
        """Fit ``estimator`` on the images of ``X`` and their shifted copies.

        Parameters
        ----------
        {images}
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets; each copy takes its image's.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights; each copy takes its image's. Passed to ``estimator``'s
            ``fit`` only when given.

        Returns
        -------
        self : ShiftAugmented
            The fitted estimator.
        """
        X, y = validate_data(self, X, y, dtype=FLOATS, multi_output=True)
        height, width = resolve_image_shape(
            type(self).__name__, self.image_shape, X.shape[1]
        )
        images = X.reshape(-1, height, width)
        copies = [images] + [
            shift_images(images, rows, columns, self.fill_value)
            for rows, columns in image_shifts(height, width, self.max_shift)
        ]
        self.n_copies_ = len(copies)
        params = {}
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
            params["sample_weight"] = np.tile(sample_weight, self.n_copies_)
        self.estimator_ = clone(self.estimator).fit(
            np.concatenate(copies).reshape(-1, X.shape[1]),
            np.concatenate([y] * self.n_copies_),
            **params,
        )
        return self

    def _delegate(self, method, X, *args):
        """``estimator_``'s ``method`` on the images of ``X`` as given."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=FLOATS)
        return getattr(self.estimator_, method)(X, *args)

    @available_if(_estimator_has("predict"))
    @_with_images_text
    def predict(self, X):
        """``estimator_``'s predictions for the images of ``X``.

        Parameters
        ----------
        {images}

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predictions.
        """
        return self._delegate("predict", X)

    @available_if(_estimator_has("predict_proba"))
    @_with_images_text
    def predict_proba(self, X):
        """``estimator_``'s class probabilities for the images of ``X``.

        Parameters
        ----------
        {images}

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            The probabilities, columns in the order of ``classes_``.
        """
        return self._delegate("predict_proba", X)

    @available_if(_estimator_has("predict_log_proba"))
    @_with_images_text
    def predict_log_proba(self, X):
        """``estimator_``'s log class probabilities for the images of ``X``.

        Parameters
        ----------
        {images}

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            The log probabilities, columns in the order of ``classes_``.
        """
        return self._delegate("predict_log_proba", X)

    @available_if(_estimator_has("decision_function"))
    @_with_images_text
    def decision_function(self, X):
        """``estimator_``'s decision function for the images of ``X``.

        Parameters
        ----------
        {images}

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The scores.
        """
        return self._delegate("decision_function", X)

    @available_if(_estimator_has("score"))
    @_with_images_text
    def score(self, X, y, sample_weight=None):
        """``estimator_``'s score (accuracy, or R^2 for a regressor).

        Parameters
        ----------
        {images}
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            The score.
        """
        return self._delegate("score", X, y, sample_weight)

    @property
    def classes_(self):
        """The class labels of a classifier ``estimator_``."""
        check_is_fitted(self)
        return self.estimator_.classes_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = inner.classifier_tags
        tags.regressor_tags = inner.regressor_tags
        tags.target_tags = inner.target_tags
        tags.input_tags.sparse = False
        return tags
