"""Load an API-format workflow file, find its `$title` bindings and its manifest.

A user's own export needs no manifest: the stage and parameters are read from the titles.
Every way a file can be unusable ends in `InvalidInput` with a sentence naming the file and
what to do, because this is where a user's hand-made file first meets the app.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from vidgen_desktop.core.errors import InvalidInput
from vidgen_desktop.workflow.conventions import (
    MARKER_PARAMS,
    OUTPUT_CLASSES,
    REQUIRED,
    STAGE_PARAMS,
    Stage,
    input_for,
    parse_title,
    stage_guess,
)
from vidgen_desktop.workflow.models import ApiNode, Manifest, ManifestFile, is_link

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
SIDECAR_SUFFIX = ".vidgen.json"
#: Real API exports are kilobytes; anything this big was picked by mistake.
MAX_FILE_BYTES = 20 * 2**20


@dataclass(frozen=True)
class Binding:
    """`$param` on node `node_id` sets `inputs[input]` (input is None for markers like $output)."""

    param: str
    node_id: str
    class_type: str
    input: str | None


@dataclass
class Workflow:
    path: Path | None
    graph: dict[str, ApiNode]
    manifest: Manifest
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    inferred: bool = False  # True when no manifest was found and the titles told us everything

    @property
    def stage(self) -> Stage:
        return self.manifest.stage

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def params(self) -> set[str]:
        """Parameters this workflow lets the app set (panels hide the controls for the rest)."""
        return set(self.bindings)

    def api_graph(self) -> dict[str, dict[str, Any]]:
        """A fresh plain-dict copy of the graph, as POST /prompt wants it."""
        return {
            node_id: node.model_dump(by_alias=True, exclude_none=True)
            for node_id, node in self.graph.items()
        }

    def default(self, param: str) -> Any:
        """The manifest's default, else the value the file itself holds for that parameter."""
        if param in self.manifest.defaults:
            return self.manifest.defaults[param]
        for binding in self.bindings.get(param, []):
            if binding.input:
                value = self.graph[binding.node_id].inputs.get(binding.input)
                if not is_link(value):
                    return value
        return None


def _read_json(path: Path) -> Any:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InvalidInput(
                f"{path.name} is too large to be a workflow ({path.stat().st_size // 2**20} MB).",
                hint="Pick the JSON file that ComfyUI's Export (API) wrote.",
            )
        text = path.read_text(encoding="utf-8-sig")  # Windows editors add a BOM
    except FileNotFoundError as exc:
        raise InvalidInput(f"Workflow file not found: {path}", detail=str(exc)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"Cannot read workflow file {path.name}.", detail=str(exc)) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{path.name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).",
            detail=str(exc),
            hint="Export it again from ComfyUI with Workflow → Export (API).",
        ) from exc


def parse_graph(raw: Any, source: str) -> dict[str, ApiNode]:
    """Validate the API-format shape; recognise the editor format and say what to do instead."""
    if isinstance(raw, dict) and isinstance(raw.get("prompt"), dict):
        raw = raw["prompt"]  # a saved POST /prompt body
    if isinstance(raw, dict) and isinstance(raw.get("nodes"), list) and "links" in raw:
        raise InvalidInput(
            f"{source} is in ComfyUI's editor format, not the API format.",
            hint="In ComfyUI use Workflow → Export (API) and pick that file.",
        )
    if not isinstance(raw, dict) or not raw:
        raise InvalidInput(
            f"{source} holds no workflow nodes.",
            hint="Export it again from ComfyUI with Workflow → Export (API).",
        )
    graph: dict[str, ApiNode] = {}
    for node_id, node in raw.items():
        try:
            graph[str(node_id)] = ApiNode.model_validate(node)
        except ValidationError as exc:
            raise InvalidInput(
                f"{source}: node {node_id} is not a workflow node (needs class_type and inputs).",
                detail=str(exc),
            ) from exc
    for node_id, node in graph.items():
        for name, value in node.inputs.items():
            if is_link(value) and value[0] not in graph:
                raise InvalidInput(
                    f"{source}: node {node_id} ({node.class_type}) input '{name}' is linked to "
                    f"node {value[0]}, which is not in the file.",
                    hint="Export the whole workflow again from ComfyUI.",
                )
    return graph


def find_bindings(graph: dict[str, ApiNode], source: str) -> dict[str, list[Binding]]:
    bindings: dict[str, list[Binding]] = {}
    for node_id, node in graph.items():
        for param in parse_title(node.meta.title):
            if param in MARKER_PARAMS:
                target = None
            else:
                target = input_for(node.class_type, param)
                if target is None and param in node.inputs and not is_link(node.inputs[param]):
                    target = param  # unknown class, but a widget input of that very name
                if target is None:
                    raise InvalidInput(
                        f"{source}: the node titled '{node.meta.title}' ({node.class_type}) has "
                        f"no input the app can set for ${param}.",
                        hint="See workflows/README.md for which node each $title belongs on.",
                    )
            bindings.setdefault(param, []).append(Binding(param, node_id, node.class_type, target))
    return bindings


def _manifest_for(path: Path) -> Manifest | None:
    sidecar = path.with_name(path.name.removesuffix(".json") + SIDECAR_SUFFIX)
    try:
        if sidecar.is_file():
            return Manifest.model_validate(_read_json(sidecar))
        shared = path.with_name(MANIFEST_NAME)
        if shared.is_file():
            return ManifestFile.model_validate(_read_json(shared)).workflows.get(path.name)
    except ValidationError as exc:
        raise InvalidInput(
            f"The manifest describing {path.name} is malformed.", detail=str(exc)
        ) from exc
    return None


def check_required(workflow: Workflow, source: str) -> None:
    required = workflow.manifest.required or list(REQUIRED[workflow.stage])
    missing = [p for p in required if p not in workflow.bindings]
    if missing:
        titles = ", ".join(f"${p}" for p in missing)
        raise InvalidInput(
            f"{source} cannot be used for the {workflow.stage} stage: no node is titled {titles}.",
            hint="Give those nodes that title in ComfyUI (right-click → Title) and export again; "
            "workflows/README.md lists which node each title belongs on.",
        )
    unknown = sorted(set(workflow.bindings) - set(STAGE_PARAMS[workflow.stage]))
    if unknown:
        raise InvalidInput(
            f"{source}: ${unknown[0]} is not a parameter of the {workflow.stage} stage.",
            hint=f"The {workflow.stage} stage understands: "
            + ", ".join(f"${p}" for p in STAGE_PARAMS[workflow.stage]),
        )


def from_graph(
    raw: Any,
    *,
    source: str,
    path: Path | None = None,
    manifest: Manifest | None = None,
    stage: Stage | None = None,
) -> Workflow:
    """Build a Workflow from an already-parsed API graph (also what load_workflow uses)."""
    graph = parse_graph(raw, source)
    bindings = find_bindings(graph, source)
    inferred = manifest is None
    if manifest is None:
        classes = {n.class_type for n in graph.values()}
        guessed = stage or stage_guess(set(bindings), classes)
        if guessed is None:
            raise InvalidInput(
                f"{source} has no $-titled nodes, so the app cannot tell what to set.",
                hint="Title its nodes as workflows/README.md explains ($positive, $seed, …).",
            )
        manifest = Manifest(stage=guessed, name=path.stem if path else source)
    elif stage is not None and manifest.stage != stage:
        raise InvalidInput(
            f"{source} is made for the {manifest.stage} stage, not the {stage} stage."
        )
    workflow = Workflow(path, graph, manifest, bindings, inferred)
    if "output" not in bindings:
        outputs = [
            Binding("output", nid, n.class_type, None)
            for nid, n in graph.items()
            if n.class_type in OUTPUT_CLASSES[workflow.stage]
        ]
        if len(outputs) == 1:  # one obvious result node: no title needed
            bindings["output"] = outputs
    check_required(workflow, source)
    return workflow


def load_workflow(path: str | Path, *, stage: Stage | None = None) -> Workflow:
    """Read an exported API workflow plus its manifest (sidecar or manifest.json), if any."""
    path = Path(path)
    raw = _read_json(path)
    manifest = _manifest_for(path)
    workflow = from_graph(raw, source=path.name, path=path, manifest=manifest, stage=stage)
    log.debug("loaded workflow %s: stage=%s params=%s", path, workflow.stage, workflow.params)
    return workflow


def shipped_workflows(directory: Path | None = None, stage: Stage | None = None) -> list[Workflow]:
    """The workflows listed in `workflows/manifest.json`, in manifest order."""
    if directory is None:
        from vidgen_desktop.resources import workflows_dir

        directory = workflows_dir()
    try:
        listing = ManifestFile.model_validate(_read_json(directory / MANIFEST_NAME))
    except ValidationError as exc:
        raise InvalidInput("The shipped workflow manifest is malformed.", detail=str(exc)) from exc
    return [
        load_workflow(directory / name)
        for name, manifest in listing.workflows.items()
        if stage is None or manifest.stage == stage
    ]


def named_workflow(spec: str, stage: Stage, directory: Path | None = None) -> Workflow:
    """A workflow named the way a user types it: a file's path, or a shipped workflow by its file
    name with or without `.json` (`image_sdxl`, `image_sdxl.json`) or its display name.

    A name that matches nothing lists the shipped names of that stage, so the user can pick one.
    """
    path = Path(spec).expanduser()
    if path.is_file():
        return load_workflow(path, stage=stage)
    shipped = shipped_workflows(directory, stage=stage)
    key = spec.strip().lower()
    stem = key[: -len(".json")] if key.endswith(".json") else key
    for wf in shipped:
        if wf.name.lower() == key or (wf.path is not None and wf.path.stem.lower() == stem):
            return wf
    names = ", ".join(wf.path.stem if wf.path else wf.name for wf in shipped)
    looks_like_path = "/" in spec or "\\" in spec
    raise InvalidInput(
        f"No {stage} workflow called “{spec}”"
        + (": there is no such file." if looks_like_path else "."),
        hint=f"Give a workflow file's path, or one of the shipped {stage} workflows: {names}.",
    )
