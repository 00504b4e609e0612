"""gcForest's multi-grained scanning as a scikit-learn transformer."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.base import BaseEstimator, TransformerMixin, clone, is_classifier
from sklearn.ensemble import ExtraTreesClassifier
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from skmgm._compat import HasMethods, Interval, StrOptions, _fit_context
from skmgm._docstrings import Substitution
from skmgm.granularity._options import check_options
from skmgm.granularity._windows import POOL_FUNCTIONS, segment_means, window_length

_POOLINGS = {"mean", "max", "min"}
# Rows predicted at once by transform: bounds the memory of the window copies.
_CHUNK_INSTANCES = 200_000


@Substitution()
class MultiGrainedScanner(TransformerMixin, BaseEstimator):
    """Shift-tolerant class vectors from windows slid over each row.

    gcForest's multi-grained scanning. A window slides over each sequence
    (or, with ``image_shape``, a patch over each flattened image); every
    window position is an instance labelled with its row's target, and the
    inner estimator learns from those instances. A row's view is the inner
    estimator's class vectors (``predict_proba``; ``predict`` for a
    regressor) over all its window positions, pooled over positions (mean,
    max, ...) and over a few coarse position segments. The pooled view keeps
    *which* local patterns occur and roughly *where*, but not their exact
    position, so it tolerates shifts.

    ``fit_transform`` returns **out-of-fold** class vectors for the training
    rows, from an internal cross-validation over rows (so grouped by row),
    stratified by class and shuffled: a row's vectors never come from a model
    that saw its windows. ``transform`` on new rows uses the inner estimator
    refitted on every training row. So ``fit_transform(X, y)`` differs from
    ``fit(X, y).transform(X)``, as with scikit-learn's ``TargetEncoder``.

    Memory stays bounded on long series, where gcForest runs out: windows are
    strided views of ``X`` (``sliding_window_view``), never copied whole; the
    inner estimator is trained on at most ``max_instances`` window instances,
    sampled evenly from each row (the same number of random positions per
    row); ``transform`` predicts rows in chunks of at most about 200,000
    window instances.

    Parameters
    ----------
    estimator : estimator, default=None
        Learns from window instances. ``None`` means
        ``ExtraTreesClassifier(n_estimators=100, min_samples_leaf=2)``. A
        classifier needs ``predict_proba``.
    window : int, float or tuple of (int, int), default=0.25
        Window length; a float in (0, 1] is a fraction of the row (or image
        side) length. With ``image_shape``, a ``(height, width)`` patch, or
        one int or float for a square patch.
    stride : int, default=None
        Positions between windows (in each direction for images). ``None``
        means a quarter of the window, at least 1.
    image_shape : tuple of (int, int), default=None
        Treat each row as a flattened image of this shape and scan patches.
    pooling : tuple of {{"mean", "max", "min"}}, default=("mean", "max")
        Statistics of the class vectors over all positions.
    normalize : bool, default=True
        Z-normalise every window instance and append its mean and standard
        deviation, so the inner estimator sees the window's shape apart from
        its level and scale (as shapelet methods do). ``False`` hands it the
        raw window values.
    n_segments : int, default=3
        Also average the class vectors within this many contiguous segments
        of positions (per axis, for images); 0 turns segments off.
    cv : int, default=3
        Folds of the internal cross-validation behind ``fit_transform``.
    max_instances : int, default=20000
        Most window instances the inner estimator is trained on.
    random_state : int, RandomState instance or None, default=None
        Seeds the folds, the instance sampling and, when it has a
        ``random_state`` left at ``None``, the inner estimator.

    Attributes
    ----------
    estimator_ : estimator
        The inner estimator fitted on window instances of every training row.
    classes_ : ndarray of shape (n_classes,)
        Class labels, for a classifier inner estimator.
    window_ : tuple of int
        The window length (or patch shape) used.
    stride_ : int
        The stride used.
    {features_in}

    Examples
    --------
    >>> import numpy as np
    >>> from skmgm.granularity import MultiGrainedScanner
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 40))
    >>> y = np.repeat([0, 1], 30)
    >>> X[y == 1, 10:15] += 3.0  # a bump that class 1 has
    >>> scanner = MultiGrainedScanner(window=5, random_state=0)
    >>> view = scanner.fit_transform(X, y)
    >>> view.shape  # 2 classes x (mean, max, 3 segments)
    (60, 10)
    """

    _parameter_constraints: dict = {
        "estimator": [None, HasMethods(["fit", "predict"])],
        "window": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, 1, closed="right"),
            tuple,
            list,
        ],
        "stride": [None, Interval(Integral, 1, None, closed="left")],
        "image_shape": [None, tuple, list],
        "pooling": [tuple, list, StrOptions(_POOLINGS)],
        "normalize": ["boolean"],
        "n_segments": [Interval(Integral, 0, None, closed="left")],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "max_instances": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        window=0.25,
        stride=None,
        image_shape=None,
        pooling=("mean", "max"),
        normalize=True,
        n_segments=3,
        cv=3,
        max_instances=20000,
        random_state=None,
    ):
        self.estimator = estimator
        self.window = window
        self.stride = stride
        self.image_shape = image_shape
        self.pooling = pooling
        self.normalize = normalize
        self.n_segments = n_segments
        self.cv = cv
        self.max_instances = max_instances
        self.random_state = random_state

    # ------------------------------------------------------------------ fitting
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Fit the inner estimator on window instances of every row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows that are sequences, or flattened images with ``image_shape``.
        y : array-like of shape (n_samples,)
            Targets; every window of a row gets its row's target.

        Returns
        -------
        self : MultiGrainedScanner
            The fitted scanner.
        """
        X, y = self._prepare_fit(X, y)
        rng = check_random_state(self.random_state)
        self.estimator_ = self._fit_inner(X, y, np.arange(len(y)), rng)
        return self

    @_fit_context(prefer_skip_nested_validation=False)
    def fit_transform(self, X, y):
        """Fit, and return out-of-fold pooled class vectors of the rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows that are sequences, or flattened images with ``image_shape``.
        y : array-like of shape (n_samples,)
            Targets.

        Returns
        -------
        X_view : ndarray of shape (n_samples, n_outputs)
            Each row's class vectors from a model that never saw the row.
        """
        X, y = self._prepare_fit(X, y)
        rng = check_random_state(self.random_state)
        view = None
        for train, test in self._row_folds(y, rng):
            inner = self._fit_inner(X, y, train, rng)
            pooled = self._pooled_outputs(inner, X[test])
            if view is None:
                view = np.empty((len(y), pooled.shape[1]))
            view[test] = pooled
        self.estimator_ = self._fit_inner(X, y, np.arange(len(y)), rng)
        return view

    def transform(self, X):
        """Pooled class vectors of ``X`` from the refitted inner estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows that are sequences, or flattened images with ``image_shape``.

        Returns
        -------
        X_view : ndarray of shape (n_samples, n_outputs)
            Class vectors pooled over positions, then over segments.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return self._pooled_outputs(self.estimator_, X)

    def _prepare_fit(self, X, y):
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        self._check_pooling()
        self.window_, self.stride_ = self._geometry(X.shape[1])
        if is_classifier(self._inner_template()):
            check_classification_targets(y)
            encoder = LabelEncoder().fit(y)
            self.classes_ = encoder.classes_
            y = encoder.transform(y)
        return X, y

    def _inner_template(self):
        if self.estimator is None:
            return ExtraTreesClassifier(n_estimators=100, min_samples_leaf=2)
        return self.estimator

    def _row_folds(self, y, rng):
        seed = rng.randint(np.iinfo(np.int32).max)
        if hasattr(self, "classes_"):
            # Shuffled, so that rows sorted by class still give mixed folds.
            smallest = np.bincount(y).min()
            n_splits = min(self.cv, max(2, smallest))
            return StratifiedKFold(n_splits, shuffle=True, random_state=seed).split(
                y, y
            )
        return KFold(self.cv, shuffle=True, random_state=seed).split(y)

    def _fit_inner(self, X, y, rows, rng):
        windows = self._windows(X[rows])
        n_rows, n_positions = windows.shape[:2]
        per_row = min(n_positions, max(1, self.max_instances // n_rows))
        positions = np.stack(
            [rng.choice(n_positions, per_row, replace=False) for _ in range(n_rows)]
        )
        row_index = np.repeat(np.arange(n_rows), per_row)
        instances = self._instance_features(windows[row_index, positions.ravel()])
        inner = clone(self._inner_template())
        if inner.get_params().get("random_state", 0) is None:
            inner.set_params(random_state=rng.randint(np.iinfo(np.int32).max))
        return inner.fit(instances, y[rows][row_index])

    # ------------------------------------------------------------------ views
    def _check_pooling(self):
        return check_options(
            "MultiGrainedScanner",
            "pooling",
            self.pooling,
            _POOLINGS,
            allow_empty=self.n_segments > 0,
        )

    def _geometry(self, n_features):
        if self.image_shape is None:
            lengths = (n_features,)
        else:
            lengths = tuple(self.image_shape)
            if len(lengths) != 2 or lengths[0] * lengths[1] != n_features:
                raise ValueError(
                    f"MultiGrainedScanner: image_shape={self.image_shape!r} does "
                    f"not fit rows of n_features = {n_features}."
                )
        window = self.window
        if isinstance(window, (tuple, list)):
            window = tuple(window)
        else:
            window = (window,) * len(lengths)
        if len(window) != len(lengths):
            raise ValueError(
                f"MultiGrainedScanner: window={self.window!r} must have "
                f"{len(lengths)} value(s) for rows of shape {lengths}."
            )
        sizes = tuple(window_length(w, length) for w, length in zip(window, lengths))
        if any(size > length for size, length in zip(sizes, lengths)):
            raise ValueError(
                f"MultiGrainedScanner: window={self.window!r} is longer than the "
                f"rows {lengths} (n_features = {n_features})."
            )
        stride = self.stride or max(1, min(sizes) // 4)
        return sizes, stride

    def _windows(self, X):
        """Window instances as a strided view: (n_rows, n_positions, size)."""
        if self.image_shape is None:
            return sliding_window_view(X, self.window_[0], axis=1)[:, :: self.stride_]
        images = X.reshape(len(X), *self.image_shape)
        view = sliding_window_view(images, self.window_, axis=(1, 2))
        view = view[:, :: self.stride_, :: self.stride_]
        # Merging the position axes copies; _pooled_outputs chunks the rows.
        return view.reshape(len(X), -1, self.window_[0] * self.window_[1])

    def _instance_features(self, instances):
        """What the inner estimator sees of each window instance (a copy)."""
        if not self.normalize:
            return instances
        mean = instances.mean(axis=1, keepdims=True)
        std = instances.std(axis=1, keepdims=True)
        # A flat window has no shape: it normalises to zeros, not to NaN.
        shape = (instances - mean) / np.where(std > 0, std, 1.0)
        return np.hstack([shape, mean, std])

    def _position_grid(self):
        """Number of window positions along each axis."""
        if self.image_shape is None:
            n = self.n_features_in_
            return (len(range(0, n - self.window_[0] + 1, self.stride_)),)
        return tuple(
            len(range(0, side - size + 1, self.stride_))
            for side, size in zip(self.image_shape, self.window_)
        )

    def _pooled_outputs(self, inner, X):
        n_positions = int(np.prod(self._position_grid()))
        chunk = max(1, _CHUNK_INSTANCES // n_positions)
        return np.vstack(
            [
                self._pool(self._position_outputs(inner, X[start : start + chunk]))
                for start in range(0, len(X), chunk)
            ]
        )

    def _position_outputs(self, inner, X):
        windows = self._windows(X)
        n_rows, n_positions, size = windows.shape
        flat = self._instance_features(windows.reshape(n_rows * n_positions, size))
        if hasattr(self, "classes_"):
            outputs = self._all_classes(inner, inner.predict_proba(flat))
        else:
            outputs = inner.predict(flat).reshape(-1, 1)
        return outputs.reshape(n_rows, n_positions, -1)

    def _all_classes(self, inner, proba):
        """One column per class of ``y``: a fold's inner estimator may have
        missed a rare class, whose probability is then 0."""
        if proba.shape[1] == len(self.classes_):
            return proba
        full = np.zeros((len(proba), len(self.classes_)), dtype=proba.dtype)
        full[:, inner.classes_] = proba
        return full

    def _pool(self, outputs):
        columns = [
            POOL_FUNCTIONS[name](outputs, axis=1) for name in self._check_pooling()
        ]
        if self.n_segments:
            grid = self._position_grid()
            spatial = outputs.reshape(len(outputs), *grid, outputs.shape[-1])
            columns.extend(segment_means(spatial, self.n_segments))
        return np.hstack(columns)

    def get_feature_names_out(self, input_features=None):
        """Names of the view's columns: ``<pooling>_<output>``.

        Parameters
        ----------
        input_features : None
            Ignored: the columns are pooled class vectors, not inputs.

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per column of :meth:`transform`.
        """
        check_is_fitted(self)
        outputs = (
            [f"class{c}" for c in self.classes_]
            if hasattr(self, "classes_")
            else ["pred"]
        )
        names = [f"{p}_{o}" for p in self._check_pooling() for o in outputs]
        if self.n_segments:
            grid = self._position_grid()
            n_cells = min(self.n_segments, min(grid)) ** len(grid)
            names += [f"seg{s}_{o}" for s in range(n_cells) for o in outputs]
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags
