"""Where ``fit`` metadata go: each level's parts, the splitter, the meta-learner."""

from __future__ import annotations

from sklearn.model_selection import check_cv
from sklearn.utils import Bunch
from sklearn.utils.metadata_routing import MetadataRouter, MethodMapping

from skmgm._compat import _routing_enabled, process_routing
from skmgm._composition import is_passthrough


def metadata_router(estimator) -> MetadataRouter:
    """The router of a multi-granularity estimator's ``fit`` and ``predict``.

    Each level's estimator and granularity (``<level>__estimator``,
    ``<level>__granularity``) get the metadata they request, the ``cv``
    splitter what its ``split`` requests, the final estimator only what it
    requests, at fit and at predict time.
    """
    router = MetadataRouter(owner=estimator)
    fit = MethodMapping().add(caller="fit", callee="fit")
    for name, granularity, level_estimator in estimator._iter_levels():
        router.add(**{f"{name}__estimator": level_estimator}, method_mapping=fit)
        if not is_passthrough(granularity):
            router.add(**{f"{name}__granularity": granularity}, method_mapping=fit)
    router.add(
        splitter=check_cv(estimator.cv),
        method_mapping=MethodMapping().add(caller="fit", callee="split"),
    )
    final = getattr(estimator, "final_estimator_", None)
    if final is None:
        final = estimator._final_estimator_or_default()
    router.add(
        final_estimator=final,
        method_mapping=MethodMapping()
        .add(caller="fit", callee="fit")
        .add(caller="predict", callee="predict"),
    )
    return router


def route_predict_params(estimator, predict_params) -> dict:
    """What the meta-learner's ``predict`` gets, as in scikit-learn's stacking.

    Without metadata routing every parameter goes to it (e.g. a Gaussian
    process's ``return_std=True``); with routing, what it requested.
    """
    if _routing_enabled():
        return process_routing(estimator, "predict", **predict_params)[
            "final_estimator"
        ].predict
    return predict_params


def route_fit_params(estimator, levels, fit_params) -> Bunch:
    """The metadata each active level's parts, the splitter and the
    meta-learner get.

    With metadata routing enabled, each consumer gets what it requested.
    Without it, ``sample_weight`` goes to every level's estimator and the
    meta-learner, as in scikit-learn's stacking.
    """
    if _routing_enabled():
        routed = process_routing(estimator, "fit", **fit_params)
        return Bunch(
            estimator={name: routed[f"{name}__estimator"].fit for name, _, _ in levels},
            granularity={
                name: routed[f"{name}__granularity"].fit
                for name, granularity, _ in levels
                if not is_passthrough(granularity)
            },
            split=routed.splitter.split,
            final=routed.final_estimator.fit,
        )
    weights = {k: v for k, v in fit_params.items() if k == "sample_weight"}
    return Bunch(
        estimator={name: weights for name, _, _ in levels},
        granularity={},
        split={},
        final=weights,
    )
