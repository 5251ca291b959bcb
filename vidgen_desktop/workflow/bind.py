"""Turn a Workflow plus the panel's values into the API graph we POST.

Always works on a deep copy: the loaded file's graph is shared by every generation and a
mutated template would leak one take's prompt into the next.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

from vidgen_desktop.workflow.conventions import MARKER_PARAMS, STAGE_PARAMS, Stage
from vidgen_desktop.workflow.loader import Workflow
from vidgen_desktop.workflow.models import is_link
from vidgen_desktop.workflow.video import VideoPlan, build_chunks, plan_video

log = logging.getLogger(__name__)

#: Seeds stay below 2**53 so they survive any JSON reader as exact integers.
SEED_LIMIT = 2**53

_INT_PARAMS = frozenset({"width", "height", "steps", "seed", "frames"})
_FLOAT_PARAMS = frozenset({"cfg", "seconds", "fps"})
#: Parameters the app computes or consumes itself; callers do not pass them to bind().
_EXTRA_PARAMS = frozenset({"style"})


@dataclass
class BoundGraph:
    """What bind() produced: the graph to POST and the values really used (seed included)."""

    graph: dict[str, dict[str, Any]]
    seed: int | None
    values: dict[str, Any] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    video: VideoPlan | None = None
    output_nodes: list[str] = field(default_factory=list)


def random_seed() -> int:
    return secrets.randbelow(SEED_LIMIT)


def _coerce(param: str, value: Any) -> Any:
    if param in _INT_PARAMS:
        return int(value)
    if param in _FLOAT_PARAMS:
        return float(value)
    if isinstance(value, bool) or param == "lora":
        return value
    return str(value)


def bypass_node(graph: dict[str, dict[str, Any]], node_id: str, through: str) -> None:
    """Remove a pass-through node (e.g. a LoRA loader) and wire its consumers to its input."""
    source = graph[node_id]["inputs"].get(through)
    if not is_link(source):
        raise ValueError(f"node {node_id} has no linked input {through!r} to bypass to")
    del graph[node_id]
    for node in graph.values():
        for name, value in node["inputs"].items():
            if is_link(value) and value[0] == node_id:
                node["inputs"][name] = list(source)


def _merged_values(workflow: Workflow, params: dict[str, Any]) -> dict[str, Any]:
    allowed = set(STAGE_PARAMS[workflow.stage]) | _EXTRA_PARAMS
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ValueError(f"{unknown} are not {workflow.stage} parameters")
    values = {k: v for k, v in workflow.manifest.defaults.items() if k in allowed}
    values.update({k: v for k, v in params.items() if v is not None or k == "seed"})
    style = str(values.pop("style", "") or "").strip()
    if style:
        positive = str(values.get("positive") or workflow.default("positive") or "").strip()
        values["positive"] = f"{positive}, {style}" if positive else style
    return values


def bind(workflow: Workflow, params: dict[str, Any]) -> BoundGraph:
    """Set each `$param` node input from `params` (unset ones keep the file's value).

    `seed=None` (or no seed) draws a random seed, which is reported in `BoundGraph.seed`.
    For video, `seconds` decides the chunk count and the graph is extended to N chunks.
    `lora=False` removes the workflow's LoRA node; its steps/cfg defaults then apply.
    """
    values = _merged_values(workflow, params)
    graph = workflow.api_graph()
    seed: int | None = None
    if "seed" in workflow.bindings:
        seed = values.get("seed")
        seed = random_seed() if seed is None else int(seed)
        values["seed"] = seed

    video_plan: VideoPlan | None = None
    if workflow.stage is Stage.VIDEO:
        explicit = {k for k, v in params.items() if v is not None}
        video_plan = _prepare_video(workflow, graph, values, explicit)

    ignored: list[str] = []
    for param, value in values.items():
        bindings = workflow.bindings.get(param)
        if not bindings:
            ignored.append(param)
            continue
        if param in MARKER_PARAMS or (param == "lora" and isinstance(value, bool)):
            continue
        for binding in bindings:
            if binding.input is None or binding.node_id not in graph:
                continue
            graph[binding.node_id]["inputs"][binding.input] = _coerce(param, value)

    if video_plan is not None:
        build_chunks(graph, workflow, video_plan, seed)
    outputs = [b.node_id for b in workflow.bindings.get("output", [])]
    log.debug("bound %s: seed=%s ignored=%s", workflow.name, seed, ignored)
    return BoundGraph(graph, seed, values, ignored, video_plan, outputs)


def _prepare_video(
    workflow: Workflow,
    graph: dict[str, dict[str, Any]],
    values: dict[str, Any],
    explicit: set[str],
) -> VideoPlan:
    info = workflow.manifest.video
    use_lora = values.get("lora")
    lora_bindings = workflow.bindings.get("lora", [])
    if lora_bindings and use_lora is False:
        for binding in lora_bindings:
            bypass_node(graph, binding.node_id, "model")
    elif lora_bindings and use_lora and info is not None:
        # The 4-step LoRA only helps with its own step count and cfg; use them unless the
        # caller chose explicitly.
        if info.lora_steps is not None and "steps" not in explicit:
            values["steps"] = info.lora_steps
        if info.lora_cfg is not None and "cfg" not in explicit:
            values["cfg"] = info.lora_cfg
    fps = values.get("fps") or workflow.default("fps") or workflow.manifest.fps
    if not fps:
        raise ValueError(f"{workflow.name} has no $fps node and no fps in its manifest")
    values["fps"] = float(fps)
    seconds = values.get("seconds") or workflow.default("seconds")
    if not seconds:
        raise ValueError("video needs a length in seconds")
    steps = values.get("steps") or workflow.default("steps") or 0
    plan = plan_video(
        workflow, seconds=float(seconds), fps=float(fps), steps=int(steps), graph=graph
    )
    values["seconds"] = plan.seconds
    if "frames" in workflow.bindings:
        values["frames"] = plan.frames
    return plan
