"""Where ``fit`` metadata go: each level's parts, the splitter, the meta-learner."""

from __future__ import annotations

import inspect

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
    for name, granularity, level_estimator in estimator._iter_levels():
        # At predict time a level answers with its stack method, after its
        # granularity's transform.
        method = _stack_method(estimator, name, level_estimator)
        router.add(
            **{f"{name}__estimator": level_estimator},
            method_mapping=_mapping(fit="fit", predict=method),
        )
        if not is_passthrough(granularity):
            router.add(
                **{f"{name}__granularity": granularity},
                method_mapping=_mapping(fit="fit", predict="transform"),
            )
    router.add(
        splitter=check_cv(estimator.cv),
        method_mapping=MethodMapping().add(caller="fit", callee="split"),
    )
    final = getattr(estimator, "final_estimator_", None)
    if final is None:
        final = estimator._final_estimator_or_default()
    router.add(
        final_estimator=final,
        method_mapping=_mapping(fit="fit", predict="predict"),
    )
    return router


def _mapping(**callee_of) -> MethodMapping:
    mapping = MethodMapping()
    for caller, callee in callee_of.items():
        mapping.add(caller=caller, callee=callee)
    return mapping


def _stack_method(estimator, name, level_estimator) -> str:
    """The method a level stacks: the fitted one, else the configured one."""
    names = [level_name for level_name, _, _ in getattr(estimator, "levels_", [])]
    if name in names:
        return estimator.stack_method_[names.index(name)]
    try:
        return estimator._stack_method_of(name, level_estimator)
    except ValueError:  # fit will say what is wrong with the level
        return "predict"


def route_predict_params(estimator, predict_params) -> Bunch:
    """What ``predict`` hands on: to the levels' parts, and to the meta-learner.

    Without metadata routing every parameter goes to the meta-learner's
    ``predict`` (e.g. a Gaussian process's ``return_std=True``), as in
    scikit-learn's stacking, and the levels get none. With routing, each
    level's granularity (``transform``) and estimator (its stack method), and
    the meta-learner, get what they requested.
    """
    if not _routing_enabled():
        return Bunch(levels={}, final=predict_params)
    routed = process_routing(estimator, "predict", **predict_params)
    levels = {}
    for (name, granularity, _), method in zip(
        estimator.levels_, estimator.stack_method_
    ):
        levels[name] = Bunch(
            estimator=routed[f"{name}__estimator"][method],
            granularity=(
                {}
                if is_passthrough(granularity)
                else routed[f"{name}__granularity"].transform
            ),
        )
    return Bunch(levels=levels, final=routed.final_estimator.predict)


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
    # sample_weight=None is no weights, for estimators that take none too.
    weights = {}
    if fit_params.get("sample_weight") is not None:
        _check_all_take_sample_weight(estimator, levels)
        weights = {"sample_weight": fit_params["sample_weight"]}
    return Bunch(
        estimator={name: weights for name, _, _ in levels},
        granularity={},
        split={},
        final=weights,
    )


def _check_all_take_sample_weight(estimator, levels) -> None:
    """Refuse, before any fit, a level or meta-learner whose ``fit`` takes no
    ``sample_weight``: in a worker, its ``TypeError`` would name no level."""
    parts = [(f"Level {name!r}", level) for name, _, level in levels]
    parts.append(("final_estimator", estimator._final_estimator_or_default()))
    for what, part in parts:
        if not _fit_takes(part, "sample_weight"):
            raise TypeError(
                f"{what}: estimator {part!r} takes no sample_weight in fit. "
                "Use one that does, or enable metadata routing "
                "(sklearn.set_config(enable_metadata_routing=True)) and "
                "request sample_weight where it is wanted."
            )


def _fit_takes(estimator, parameter: str) -> bool:
    # A fit that takes **kwargs may take it (a Pipeline says if it does not).
    parameters = inspect.signature(estimator.fit).parameters.values()
    return any(p.name == parameter or p.kind is p.VAR_KEYWORD for p in parameters)
