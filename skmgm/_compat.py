"""Every private scikit-learn import of skmgm, in one place, and the shims
for the scikit-learn and Python versions it supports.

scikit-learn's private helpers may move between releases. Importing them here,
and nowhere else, keeps the blast radius of such a move to one file.
"""

from inspect import signature

from sklearn.base import _fit_context
from sklearn.linear_model._base import LinearClassifierMixin, LinearModel
from sklearn.utils import _safe_indexing
from sklearn.utils._optional_dependencies import check_matplotlib_support
from sklearn.utils._param_validation import HasMethods, Interval, Options, StrOptions
from sklearn.utils.metadata_routing import (
    _raise_for_params as _sklearn_raise_for_params,
)
from sklearn.utils.metadata_routing import (
    _routing_enabled,
    process_routing,
)
from sklearn.utils.parallel import _get_threadpool_controller
from sklearn.utils.validation import (
    _check_feature_names_in,
    _check_method_params,
    _check_response_method,
    _check_sample_weight,
    _check_y,
    _get_feature_names,
    _num_features,
    _num_samples,
)

try:  # scikit-learn >= 1.7
    from sklearn.utils._repr_html.estimator import _VisualBlock
except ImportError:  # scikit-learn 1.6
    from sklearn.utils._estimator_html_repr import _VisualBlock

__all__ = [
    "HasMethods",
    "Interval",
    "LinearClassifierMixin",
    "LinearModel",
    "Options",
    "StrOptions",
    "_VisualBlock",
    "_check_feature_names_in",
    "_check_method_params",
    "_check_response_method",
    "_check_sample_weight",
    "_check_y",
    "_fit_context",
    "_get_feature_names",
    "_get_threadpool_controller",
    "_num_features",
    "_num_samples",
    "_raise_for_params",
    "_routing_enabled",
    "_safe_indexing",
    "add_note",
    "check_matplotlib_support",
    "process_routing",
]


def _raise_for_params(params, owner, method, allow=None):
    """scikit-learn's check that unrouted metadata is not passed.

    Its ``allow`` argument (metadata accepted without routing) is new in
    scikit-learn 1.7; on 1.6 the allowed keys are taken out before the check.
    """
    if "allow" in signature(_sklearn_raise_for_params).parameters:
        return _sklearn_raise_for_params(params, owner, method, allow=allow)
    unallowed = {k: v for k, v in params.items() if k not in (allow or ())}
    return _sklearn_raise_for_params(unallowed, owner, method)


def add_note(exc: BaseException, note: str) -> None:
    """``exc.add_note(note)``: say which level or task raised ``exc``.

    Exception notes are new in Python 3.11. Python 3.10 keeps ``__notes__``
    but never prints them, so there the note is also appended to the message
    (when the message is the exception's one string argument), or the error
    would not name its level.
    """
    if hasattr(exc, "add_note"):
        exc.add_note(note)
        return
    exc.__notes__ = [*getattr(exc, "__notes__", []), note]
    if len(exc.args) == 1 and isinstance(exc.args[0], str):
        exc.args = (f"{exc.args[0]}\n{note}",)
