"""Every shipped workflow against the recorded real /object_info of each ComfyUI it claims.

The structural check here is written independently of preflight() so a bug in one is caught by
the other: class exists, input names exist, required inputs present, links point at an existing
node and an output index that node has, link types match, combo values are allowed.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.workflow.conftest import WORKFLOWS
from vidgen_desktop.workflow import (
    ProblemKind,
    Stage,
    bind,
    load_workflow,
    preflight,
    shipped_workflows,
)

MANIFEST = json.loads((WORKFLOWS / "manifest.json").read_text(encoding="utf-8"))["workflows"]
NAMES = sorted(MANIFEST)
#: Empty on the recorded servers (no weights, no uploads); checked against the manifest instead.
FILE_COMBOS = {
    ("CheckpointLoaderSimple", "ckpt_name"),
    ("UNETLoader", "unet_name"),
    ("CLIPLoader", "clip_name"),
    ("VAELoader", "vae_name"),
    ("AudioEncoderLoader", "audio_encoder_name"),
    ("LoraLoaderModelOnly", "lora_name"),
    ("LoadImage", "image"),
    ("LoadAudio", "audio"),
}


def _sections(definition: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    inputs = definition["input"]
    return inputs.get("required") or {}, inputs.get("optional") or {}


def _options(spec: list[Any]) -> list[Any] | None:
    if isinstance(spec[0], list):
        return spec[0]
    if spec[0] == "COMBO":
        return spec[1]["options"]
    return None


def structural_errors(graph: dict[str, Any], info: dict[str, Any]) -> list[str]:
    errors = []
    for node_id, node in graph.items():
        cls = node["class_type"]
        if cls not in info:
            errors.append(f"{node_id}: class {cls} missing")
            continue
        required, optional = _sections(info[cls])
        for name in required:
            if name not in node["inputs"]:
                errors.append(f"{node_id} {cls}: required {name} absent")
        for name, value in node["inputs"].items():
            spec = required.get(name) or optional.get(name)
            if spec is None:
                errors.append(f"{node_id} {cls}: unknown input {name}")
                continue
            if isinstance(value, list):
                source, index = value
                if source not in graph or graph[source]["class_type"] not in info:
                    errors.append(f"{node_id} {cls}.{name}: link to missing node {source}")
                    continue
                outputs = info[graph[source]["class_type"]]["output"]
                if not 0 <= index < len(outputs):
                    errors.append(f"{node_id} {cls}.{name}: output {index} of {source} missing")
                elif isinstance(spec[0], str) and outputs[index] != spec[0]:
                    errors.append(f"{node_id} {cls}.{name}: {outputs[index]} into {spec[0]}")
                continue
            options = _options(spec)
            if options is not None and (cls, name) not in FILE_COMBOS and value not in options:
                errors.append(f"{node_id} {cls}.{name}: {value!r} not in options")
            extra = spec[1] if len(spec) > 1 and isinstance(spec[1], dict) else {}
            if isinstance(value, int | float) and not isinstance(value, bool):
                if "min" in extra and value < extra["min"]:
                    errors.append(f"{node_id} {cls}.{name}: {value} < min")
                if "max" in extra and value > extra["max"]:
                    errors.append(f"{node_id} {cls}.{name}: {value} > max")
    return errors


def test_the_manifest_lists_every_shipped_file_and_nothing_else():
    on_disk = sorted(p.name for p in WORKFLOWS.glob("*.json") if p.name != "manifest.json")
    assert on_disk == NAMES


def test_each_stage_has_its_issue_workflows():
    by_stage = {s: [w.name for w in shipped_workflows(stage=s)] for s in Stage}
    assert len(by_stage[Stage.IMAGE]) >= 2 and len(by_stage[Stage.VOICE]) >= 3
    classes = {n.class_type for w in shipped_workflows() for n in w.graph.values()}
    for needed in (
        "EmptySD3LatentImage",
        "CheckpointLoaderSimple",
        "FB_Qwen3TTSCustomVoice",
        "FB_Qwen3TTSVoiceClone",
        "TextEncodeAceStepAudio1.5",
        "TextEncodeAceStepAudio",
        "WanSoundImageToVideo",
        "AudioEncoderEncode",
        "CreateVideo",
        "SaveVideo",
    ):
        assert needed in classes


@pytest.mark.parametrize("name", NAMES)
def test_structure_matches_every_server_version_it_claims(name, infos):
    workflow = load_workflow(WORKFLOWS / name)
    assert workflow.manifest.server_versions, "manifest must say which servers it supports"
    for version in workflow.manifest.server_versions:
        assert structural_errors(workflow.api_graph(), infos[version]) == [], version


@pytest.mark.parametrize("name", NAMES)
def test_unsupported_versions_really_lack_something(name, infos):
    """A version left out of server_versions must fail; else the manifest undersells it."""
    workflow = load_workflow(WORKFLOWS / name)
    for version, info in infos.items():
        if version not in workflow.manifest.server_versions:
            assert structural_errors(workflow.api_graph(), info) != []


@pytest.mark.parametrize("name", NAMES)
def test_preflight_on_model_free_servers_reports_only_the_manifest_models(name, infos):
    workflow = load_workflow(WORKFLOWS / name)
    graph = workflow.api_graph()
    for version in workflow.manifest.server_versions:
        problems = preflight(workflow, infos[version])
        assert {p.kind for p in problems} <= {ProblemKind.MISSING_MODEL}
        reported = sorted(p.model.file for p in problems)
        assert reported == sorted(m.file for m in workflow.manifest.models)
    for model in workflow.manifest.models:  # the manifest names the file the graph loads
        assert graph[model.node]["inputs"][model.input] == model.file
        assert model.url.startswith("https://")


@pytest.mark.parametrize("name", NAMES)
def test_bound_graphs_stay_valid(name, infos):
    workflow = load_workflow(WORKFLOWS / name)
    params: dict[str, Any] = {"seed": 7}
    if workflow.stage is Stage.VIDEO:
        variants = [
            {
                **params,
                "seconds": s,
                "lora": lora,
                "image": "p.png",
                "audio": "v.wav",
                "positive": "talking",
            }
            for s in (3.0, 9.0, 30.0)
            for lora in (True, False)
        ]
    else:
        text = {"positive": "a fox", "text": "Hello there.", "tags": "pop"}
        variants = [{**params, **{k: v for k, v in text.items() if k in workflow.params}}]
    for variant in variants:
        bound = bind(workflow, variant)
        for version in workflow.manifest.server_versions:
            assert structural_errors(bound.graph, infos[version]) == [], (version, variant)


def test_the_checker_catches_typos(info_025):
    """Guard against a checker that can never fail."""
    graph = load_workflow(WORKFLOWS / "image_sdxl.json").api_graph()
    graph["5"]["inputs"]["sampler"] = graph["5"]["inputs"].pop("sampler_name")
    graph["6"]["inputs"]["vae"] = ["1", 3]
    graph["7"]["class_type"] = "SaveImages"
    graph["2"]["inputs"]["clip"] = ["1", 0]
    errors = structural_errors(graph, info_025)
    assert any("unknown input sampler" in e for e in errors)
    assert any("required sampler_name absent" in e for e in errors)
    assert any("output 3 of 1 missing" in e for e in errors)
    assert any("class SaveImages missing" in e for e in errors)
    assert any("MODEL into CLIP" in e for e in errors)
