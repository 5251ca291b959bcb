"""Check a workflow against a server's `/object_info` before anything is queued.

The server would reject the same graph after the user waited for model loads (or, for a
missing model, after minutes in the queue). Every problem carries a sentence the user can act
on: which pack to install and how, which file to put in which folder and where to get it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from vidgen_desktop.workflow.loader import Workflow
from vidgen_desktop.workflow.models import ModelFile, NodePack, is_link
from vidgen_desktop.workflow.object_info import (
    InputSpec,
    ObjectInfo,
    input_spec,
    input_specs,
    output_types,
    types_compatible,
)
from vidgen_desktop.workflow.packs import KNOWN_PACKS, LOADER_FOLDERS, pack_for_class


class ProblemKind(StrEnum):
    MISSING_NODE = "missing_node"  # class not on the server: a custom node pack is missing
    UNKNOWN_INPUT = "unknown_input"  # input name the class lacks: ComfyUI version mismatch
    MISSING_INPUT = "missing_input"  # a required input is absent
    MISSING_MODEL = "missing_model"  # model file not in the loader's list
    BAD_VALUE = "bad_value"  # outside the allowed range or options
    BAD_LINK = "bad_link"  # link to a missing node/output, or of the wrong type
    WRONG_MODEL = "wrong_model"  # the file is there, but its header says it is another model


@dataclass(frozen=True)
class Problem:
    kind: ProblemKind
    message: str
    node_id: str = ""
    class_type: str = ""
    input: str = ""
    hint: str = ""
    pack: NodePack | None = None
    model: ModelFile | None = None

    def user_text(self) -> str:
        return f"{self.message} {self.hint}".strip()


#: Inputs whose values are files the app uploads right before queueing; the placeholder
#: names in a template are not expected on the server.
UPLOADED_INPUTS = frozenset({("LoadImage", "image"), ("LoadAudio", "audio")})


def _missing_node(workflow: Workflow, node_id: str, class_type: str) -> Problem:
    pack = next((p for p in workflow.manifest.node_packs if class_type in p.classes), None)
    pack = pack or pack_for_class(class_type)
    if pack is not None:
        return Problem(
            ProblemKind.MISSING_NODE,
            f"ComfyUI has no '{class_type}' node: install the custom node pack {pack.name}.",
            node_id,
            class_type,
            hint=f"{pack.install} ({pack.repo}), then restart ComfyUI.",
            pack=pack,
        )
    return Problem(
        ProblemKind.MISSING_NODE,
        f"ComfyUI has no '{class_type}' node (node {node_id}).",
        node_id,
        class_type,
        hint="Install the custom node pack that provides it (ComfyUI-Manager → Install Missing "
        "Custom Nodes), or update ComfyUI if it is a core node, then restart ComfyUI.",
    )


def _model_for(
    workflow: Workflow, node_id: str, class_type: str, name: str, value: Any
) -> ModelFile:
    for model in workflow.manifest.models:
        if model.node == node_id and model.input == name:
            return model
    folder = LOADER_FOLDERS.get((class_type, name), "the loader's folder")
    return ModelFile(node=node_id, input=name, file=str(value), folder=folder)


def _check_value(
    workflow: Workflow, node_id: str, class_type: str, spec: InputSpec, value: Any
) -> Problem | None:
    if is_link(value):
        return None
    if spec.type == "COMBO" and spec.options is not None and value not in spec.options:
        if (class_type, spec.name) in UPLOADED_INPUTS:
            return None
        is_model = (class_type, spec.name) in LOADER_FOLDERS or any(
            m.node == node_id and m.input == spec.name for m in workflow.manifest.models
        )
        if is_model:
            model = _model_for(workflow, node_id, class_type, spec.name, value)
            where = f" Download: {model.url}" if model.url else ""
            return Problem(
                ProblemKind.MISSING_MODEL,
                f"Model file {model.file} is missing on the ComfyUI server.",
                node_id,
                class_type,
                spec.name,
                hint=f"Put {model.file} into ComfyUI/models/{model.folder}/ and refresh or "
                f"restart ComfyUI.{where}",
                model=model,
            )
        shown = ", ".join(map(str, spec.options[:8])) + (" …" if len(spec.options) > 8 else "")
        return Problem(
            ProblemKind.BAD_VALUE,
            f"{class_type} (node {node_id}): '{value}' is not a choice for {spec.name}.",
            node_id,
            class_type,
            spec.name,
            hint=f"Allowed: {shown}.",
        )
    if spec.type in ("INT", "FLOAT") and isinstance(value, int | float):
        if spec.minimum is not None and value < spec.minimum:
            return Problem(
                ProblemKind.BAD_VALUE,
                f"{class_type} (node {node_id}): {spec.name} {value} is below {spec.minimum}.",
                node_id,
                class_type,
                spec.name,
            )
        if spec.maximum is not None and value > spec.maximum:
            return Problem(
                ProblemKind.BAD_VALUE,
                f"{class_type} (node {node_id}): {spec.name} {value} is above {spec.maximum}.",
                node_id,
                class_type,
                spec.name,
            )
    return None


def _check_link(
    info: ObjectInfo,
    graph: dict[str, dict[str, Any]],
    node_id: str,
    class_type: str,
    spec: InputSpec | None,
    name: str,
    value: list[Any],
) -> Problem | None:
    source_id, index = value
    source = graph.get(source_id)
    if source is None:
        return Problem(
            ProblemKind.BAD_LINK,
            f"{class_type} (node {node_id}) input {name} is linked to node {source_id}, "
            "which is not in the workflow.",
            node_id,
            class_type,
            name,
        )
    outputs = output_types(info, source["class_type"])
    if source["class_type"] in info and not 0 <= index < len(outputs):
        return Problem(
            ProblemKind.BAD_LINK,
            f"{class_type} (node {node_id}) input {name} uses output {index} of "
            f"{source['class_type']}, which has {len(outputs)} outputs.",
            node_id,
            class_type,
            name,
        )
    if spec is not None and outputs and not types_compatible(outputs[index], spec.type):
        return Problem(
            ProblemKind.BAD_LINK,
            f"{class_type} (node {node_id}) input {name} expects {spec.type} but gets "
            f"{outputs[index]} from {source['class_type']}.",
            node_id,
            class_type,
            name,
        )
    return None


def preflight(
    workflow: Workflow, object_info: ObjectInfo, *, graph: dict[str, dict[str, Any]] | None = None
) -> list[Problem]:
    """Everything the server would reject in `graph` (default: the workflow as shipped).

    Pass the bound graph (`bind(...).graph`) to check what will really be queued, e.g. without
    the LoRA node when the user switched it off.
    """
    graph = graph if graph is not None else workflow.api_graph()
    problems: list[Problem] = []
    for node_id, node in graph.items():
        class_type = node["class_type"]
        if class_type not in object_info:
            problems.append(_missing_node(workflow, node_id, class_type))
            continue
        specs = input_specs(object_info, class_type)
        inputs = node.get("inputs", {})
        for name, value in inputs.items():
            spec = input_spec(object_info, class_type, name)
            if spec is None:
                problems.append(
                    Problem(
                        ProblemKind.UNKNOWN_INPUT,
                        f"{class_type} (node {node_id}) has no input '{name}' on this ComfyUI.",
                        node_id,
                        class_type,
                        name,
                        hint="The workflow was made for another ComfyUI version: update ComfyUI or "
                        "pick a workflow made for this version.",
                    )
                )
                continue
            if is_link(value):
                problem = _check_link(object_info, graph, node_id, class_type, spec, name, value)
            else:
                problem = _check_value(workflow, node_id, class_type, spec, value)
            if problem is not None:
                problems.append(problem)
        for name, spec in specs.items():
            if spec.required and name not in inputs:
                problems.append(
                    Problem(
                        ProblemKind.MISSING_INPUT,
                        f"{class_type} (node {node_id}) lacks its required input '{name}'.",
                        node_id,
                        class_type,
                        name,
                        hint="This ComfyUI version expects it; update the workflow or ComfyUI.",
                    )
                )
    return problems


@dataclass(frozen=True)
class Availability:
    workflow: Workflow
    problems: list[Problem]

    @property
    def usable(self) -> bool:
        return not self.problems

    def reason(self) -> str:
        """One line for a disabled picker entry's tooltip."""
        return self.problems[0].user_text() if self.problems else ""


def availability(workflows: list[Workflow], object_info: ObjectInfo) -> list[Availability]:
    """Each workflow with what stops it on this server; optional models (LoRA) do not count."""
    result = []
    for workflow in workflows:
        optional = {(m.node, m.input) for m in workflow.manifest.models if m.optional}
        problems = [
            p for p in preflight(workflow, object_info) if (p.node_id, p.input) not in optional
        ]
        result.append(Availability(workflow, problems))
    return result


def usable_workflows(workflows: list[Workflow], object_info: ObjectInfo) -> list[Workflow]:
    """The workflows whose nodes and required models this server has."""
    return [a.workflow for a in availability(workflows, object_info) if a.usable]


__all__ = [
    "KNOWN_PACKS",
    "Availability",
    "Problem",
    "ProblemKind",
    "availability",
    "preflight",
    "usable_workflows",
]
