"""The frame of the views that learn nothing from the data."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from skmgm._compat import _fit_context

FLOATS = [np.float64, np.float32]


class StatelessView(TransformerMixin, BaseEstimator):
    """Shared frame of the views that learn nothing from the data.

    ``fit`` only records the number of features, so the ``requires_fit=False``
    tag holds and a multi-granularity estimator computes the view once per
    fit, for every fold.
    """

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check ``X`` against the parameters; nothing is learned.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The rows to view.
        y : None
            Ignored.

        Returns
        -------
        self : object
            This transformer.
        """
        X = validate_data(self, X, dtype=FLOATS)
        self._output_names(X.shape[1])
        return self

    def transform(self, X):
        """The view of every row of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The rows to view.

        Returns
        -------
        X_view : ndarray of shape (n_samples, n_outputs)
            The view, in ``X``'s float dtype (float32 stays float32).
        """
        X = validate_data(self, X, reset=False, dtype=FLOATS)
        return self._view(X)

    def get_feature_names_out(self, input_features=None):
        """Names of the view's columns.

        Parameters
        ----------
        input_features : None
            Ignored: the names describe positions, not input columns.

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per output column.
        """
        check_is_fitted(self, "n_features_in_")
        return np.asarray(self._output_names(self.n_features_in_), dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
