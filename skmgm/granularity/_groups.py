"""Feature groups: the coarse view of hierarchical tabular data."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from skmgm._compat import _fit_context, _get_feature_names, _safe_indexing
from skmgm._docstrings import Substitution
from skmgm.granularity._options import check_options

_AGGREGATES = {
    "mean": np.mean,
    "sum": np.sum,
    "min": np.min,
    "max": np.max,
    "std": np.std,
    "median": np.median,
    # NaN-tolerant: over the values that are there (NaN if none is).
    "nanmean": np.nanmean,
    "nansum": np.nansum,
    "nanmin": np.nanmin,
    "nanmax": np.nanmax,
    "nanstd": np.nanstd,
    "nanmedian": np.nanmedian,
}


@Substitution()
class FeatureGroups(TransformerMixin, BaseEstimator):
    """Aggregate named groups of columns into one column per group and statistic.

    The coarse view of hierarchical tabular data: sensors of one machine,
    products of one category, pixels of one region. Nothing is learned from
    the data (``requires_fit=False``), so inside a multi-granularity
    estimator the view is computed once per fit.

    Parameters
    ----------
    groups : dict of str to list of int or str
        Group name mapped to its columns, by position or, for DataFrames, by
        column name. A column may belong to several groups.
    agg : str or tuple of str, default="mean"
        Statistics per group, among ``"mean"``, ``"sum"``, ``"min"``,
        ``"max"``, ``"std"`` and ``"median"``, and their NaN-tolerant forms
        ``"nanmean"``, ``"nansum"``, ``"nanmin"``, ``"nanmax"``, ``"nanstd"``
        and ``"nanmedian"`` (NumPy's), which skip missing values. Only the
        grouped columns are read and checked: other columns may hold text or
        NaN. NaN in a grouped column is refused unless every statistic is a
        NaN-tolerant one.

    Attributes
    ----------
    {features_in}

    Examples
    --------
    >>> import numpy as np
    >>> from skmgm.granularity import FeatureGroups
    >>> X = np.array([[1.0, 3.0, 10.0], [2.0, 6.0, 20.0]])
    >>> view = FeatureGroups({{"left": [0, 1], "right": [2]}}, agg=("mean", "max"))
    >>> view.fit_transform(X)
    array([[ 2.,  3., 10., 10.],
           [ 4.,  6., 20., 20.]])
    >>> view.get_feature_names_out().tolist()
    ['left_mean', 'left_max', 'right_mean', 'right_max']
    """

    _parameter_constraints: dict = {
        "groups": [dict],
        "agg": [str, tuple, list],
    }

    def __init__(self, groups, agg="mean"):
        self.groups = groups
        self.agg = agg

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check that every group's columns exist in ``X``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            The table.
        y : None
            Ignored.

        Returns
        -------
        self : FeatureGroups
            This transformer.
        """
        self._grouped_columns(X, reset=True)
        return self

    def transform(self, X):
        """Aggregate every group of ``X``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            The table.

        Returns
        -------
        X_groups : ndarray of shape (n_samples, n_groups * n_aggregates)
            Group-major: every statistic of the first group, then the next.
        """
        X, indices = self._grouped_columns(X, reset=False)
        positions = np.cumsum([0, *map(len, indices.values())])
        return np.column_stack(
            [
                _AGGREGATES[agg](X[:, start:stop], axis=1)
                for start, stop in pairwise(positions)
                for agg in self._aggregates()
            ]
        )

    def _grouped_columns(self, X, *, reset):
        """The grouped columns of ``X`` side by side, checked; their groups.

        Only these columns are converted and checked, so that a table's other
        columns (text, NaN) never stand in the way.
        """
        names = _get_feature_names(X)
        if not hasattr(X, "columns"):
            X = check_array(X, dtype=None, ensure_all_finite=False)
        validate_data(self, X, reset=reset, skip_check_array=True)
        indices = self._column_indices(X.shape[1], names)
        # Each column read once: a column in several groups would give a
        # DataFrame two columns of one name.
        columns, order = np.unique(
            np.concatenate(list(indices.values())), return_inverse=True
        )
        nan_tolerant = all(agg.startswith("nan") for agg in self._aggregates())
        selected = check_array(
            _safe_indexing(X, columns, axis=1),
            dtype="numeric",
            ensure_all_finite="allow-nan" if nan_tolerant else True,
            input_name="X's grouped columns",
        )
        return selected[:, order], indices

    def get_feature_names_out(self, input_features=None):
        """Names of the view's columns: ``<group>_<statistic>``.

        Parameters
        ----------
        input_features : None
            Ignored: the columns are named after the groups.

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per column of :meth:`transform`.
        """
        check_is_fitted(self, "n_features_in_")
        return np.asarray(
            [f"{group}_{agg}" for group in self.groups for agg in self._aggregates()],
            dtype=object,
        )

    def _aggregates(self):
        return check_options("FeatureGroups", "agg", self.agg, _AGGREGATES)

    def _column_indices(self, n_features, names):
        if names is None:
            names = getattr(self, "feature_names_in_", None)
        if not self.groups:
            raise ValueError("FeatureGroups: groups is empty; give at least one.")
        return {
            group: self._group_indices(group, columns, n_features, names)
            for group, columns in self.groups.items()
        }

    @staticmethod
    def _group_indices(group, columns, n_features, names):
        columns = list(columns) if not isinstance(columns, str) else [columns]
        if not columns:
            raise ValueError(f"FeatureGroups: groups[{group!r}] has no columns.")
        indices = []
        for column in columns:
            if isinstance(column, str):
                if names is None or column not in set(names):
                    raise ValueError(
                        f"FeatureGroups: groups[{group!r}] names column "
                        f"{column!r}, which X does not have (X needs string "
                        "column names, e.g. a DataFrame, to select by name)."
                    )
                indices.append(int(np.flatnonzero(np.asarray(names) == column)[0]))
            elif isinstance(column, (int, np.integer)):
                if not -n_features <= column < n_features:
                    raise ValueError(
                        f"FeatureGroups: groups[{group!r}] names column {column}, "
                        f"but X has n_features = {n_features}."
                    )
                indices.append(int(column) % n_features)
            else:
                raise TypeError(
                    f"FeatureGroups: groups[{group!r}] holds {column!r}; columns "
                    "are given by int position or str name."
                )
        return indices

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        aggregates = self.agg if isinstance(self.agg, (tuple, list)) else [self.agg]
        tags.input_tags.allow_nan = all(
            str(agg).startswith("nan") for agg in aggregates
        )
        return tags
