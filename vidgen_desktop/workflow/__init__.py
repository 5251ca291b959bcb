"""Workflows as data: load API-format ComfyUI graphs, bind `$title` parameters, preflight them.

Qt-free on purpose: the CLI, the panels' workers and the tests all use the same calls.

    wf = load_workflow("workflows/image_sdxl.json")        # or shipped_workflows(Stage.IMAGE)
    problems = preflight(wf, object_info)                   # before queueing
    bound = bind(wf, {"positive": "a fox", "seed": None})   # bound.graph -> POST /prompt
    bound.seed                                              # the seed really used
"""

from vidgen_desktop.workflow.bind import SEED_LIMIT, BoundGraph, bind, bypass_node, random_seed
from vidgen_desktop.workflow.conventions import (
    CLASS_BINDINGS,
    REQUIRED,
    STAGE_PARAMS,
    Stage,
    parse_title,
)
from vidgen_desktop.workflow.loader import (
    Binding,
    Workflow,
    from_graph,
    load_workflow,
    named_workflow,
    shipped_workflows,
)
from vidgen_desktop.workflow.models import Manifest, ModelFile, NodePack
from vidgen_desktop.workflow.object_info import merge as merge_object_info
from vidgen_desktop.workflow.preflight import (
    Availability,
    Problem,
    ProblemKind,
    availability,
    preflight,
    usable_workflows,
)
from vidgen_desktop.workflow.video import VideoPlan, plan_video

__all__ = [
    "CLASS_BINDINGS",
    "REQUIRED",
    "SEED_LIMIT",
    "STAGE_PARAMS",
    "Availability",
    "Binding",
    "BoundGraph",
    "Manifest",
    "ModelFile",
    "NodePack",
    "Problem",
    "ProblemKind",
    "Stage",
    "VideoPlan",
    "Workflow",
    "availability",
    "bind",
    "bypass_node",
    "from_graph",
    "load_workflow",
    "merge_object_info",
    "named_workflow",
    "parse_title",
    "plan_video",
    "preflight",
    "random_seed",
    "shipped_workflows",
    "usable_workflows",
]
