"""Loading: the title convention, manifests, and every way a user's file can be unusable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.workflow.conftest import WORKFLOWS, write_json
from vidgen_desktop.core.errors import InvalidInput
from vidgen_desktop.workflow import Stage, load_workflow, parse_title, shipped_workflows

#: A txt2img graph as ComfyUI's "Export (API)" writes it (from the recorded sampler run),
#: titled by a user under our convention, with no manifest anywhere.
USER_EXPORT = {
    "1": {
        "class_type": "CheckpointLoaderSimple",
        "inputs": {"ckpt_name": "sd15.safetensors"},
        "_meta": {"title": "Load Checkpoint"},
    },
    "2": {
        "class_type": "CLIPTextEncode",
        "inputs": {"clip": ["1", 1], "text": "a red fox"},
        "_meta": {"title": "Prompt $positive"},
    },
    "3": {
        "class_type": "CLIPTextEncode",
        "inputs": {"clip": ["1", 1], "text": "blurry"},
        "_meta": {"title": "$negative"},
    },
    "4": {
        "class_type": "EmptyLatentImage",
        "inputs": {"width": 512, "height": 512, "batch_size": 1},
        "_meta": {"title": "$size"},
    },
    "5": {
        "class_type": "KSampler",
        "inputs": {
            "model": ["1", 0],
            "positive": ["2", 0],
            "negative": ["3", 0],
            "latent_image": ["4", 0],
            "seed": 42,
            "steps": 3,
            "cfg": 7.0,
            "sampler_name": "euler",
            "scheduler": "normal",
            "denoise": 1.0,
        },
        "_meta": {"title": "$seed, $steps, $cfg"},
    },
    "6": {
        "class_type": "VAEDecode",
        "inputs": {"samples": ["5", 0], "vae": ["1", 2]},
        "_meta": {"title": "VAE Decode"},
    },
    "7": {
        "class_type": "SaveImage",
        "inputs": {"images": ["6", 0], "filename_prefix": "mine"},
        "_meta": {"title": "Save Image"},
    },
}


def _user_file(tmp_path: Path, graph=None, name="my_flow.json") -> Path:
    return write_json(tmp_path / name, USER_EXPORT if graph is None else graph)


def test_parse_title_reads_names_aliases_and_size():
    assert parse_title("$positive") == ["positive"]
    assert parse_title("Prompt $positive") == ["positive"]
    assert parse_title("$size") == ["width", "height"]
    assert parse_title("$seed, $steps $CFG") == ["seed", "steps", "cfg"]
    assert parse_title("$lyrics") == ["text"]
    assert parse_title("$prompt") == ["positive"]
    assert parse_title("KSampler") == []
    assert parse_title(None) == []


def test_user_export_without_manifest_is_inferred_from_titles(tmp_path):
    workflow = load_workflow(_user_file(tmp_path))
    assert workflow.inferred
    assert workflow.stage is Stage.IMAGE
    assert workflow.name == "my_flow"
    assert workflow.params == {
        "positive",
        "negative",
        "width",
        "height",
        "seed",
        "steps",
        "cfg",
        "output",
    }
    # the single SaveImage is the output without needing a title
    assert [b.node_id for b in workflow.bindings["output"]] == ["7"]
    assert workflow.default("steps") == 3
    by_param = {p: [(b.node_id, b.input) for b in bs] for p, bs in workflow.bindings.items()}
    assert by_param["width"] == [("4", "width")] and by_param["cfg"] == [("5", "cfg")]


def test_missing_required_title_is_rejected_naming_it(tmp_path):
    graph = json.loads(json.dumps(USER_EXPORT))
    graph["2"]["_meta"]["title"] = "CLIP Text Encode (Prompt)"
    graph["3"]["_meta"]["title"] = "$positive"  # still an image workflow
    graph["5"]["_meta"]["title"] = "$steps"
    with pytest.raises(InvalidInput) as caught:
        load_workflow(_user_file(tmp_path, graph), stage=Stage.IMAGE)
    assert "$seed" in caught.value.message
    assert "image stage" in caught.value.message
    assert "README" in caught.value.hint


def test_shipped_video_workflow_without_audio_title_is_rejected(workflows_copy):
    path = workflows_copy / "video_wan22_s2v.json"
    graph = json.loads(path.read_text(encoding="utf-8"))
    graph["6"]["_meta"]["title"] = "Load Audio"
    write_json(path, graph)
    with pytest.raises(InvalidInput, match=r"no node is titled \$audio"):
        load_workflow(path)


def test_corrupted_json_gives_line_and_column(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"1": {"class_type": "KSampler",\n  "inputs": {,}}', encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_workflow(path)
    assert "broken.json is not valid JSON (line 2" in caught.value.message
    assert "Export (API)" in caught.value.hint


def test_not_utf8_and_missing_file_are_clear(tmp_path):
    path = tmp_path / "binary.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(InvalidInput, match="Cannot read workflow file binary.json"):
        load_workflow(path)
    with pytest.raises(InvalidInput, match="not found"):
        load_workflow(tmp_path / "nope.json")


def test_editor_format_is_recognised(tmp_path):
    path = write_json(tmp_path / "ui.json", {"nodes": [{"id": 1}], "links": [], "version": 0.4})
    with pytest.raises(InvalidInput, match="editor format") as caught:
        load_workflow(path)
    assert "Export (API)" in caught.value.hint


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({}, "holds no workflow nodes"),
        ([1, 2], "holds no workflow nodes"),
        ({"1": {"inputs": {}}}, "node 1 is not a workflow node"),
        ({"1": "KSampler"}, "node 1 is not a workflow node"),
        (
            {"1": {"class_type": "SaveImage", "inputs": {"images": ["9", 0]}}},
            "linked to node 9, which is not in the file",
        ),
        ({"1": {"class_type": "KSampler", "inputs": {"seed": 1}}}, "no $-titled nodes"),
    ],
)
def test_malformed_graphs_are_refused(tmp_path, content, message):
    with pytest.raises(InvalidInput, match=message.replace("$", r"\$")):
        load_workflow(write_json(tmp_path / "bad.json", content))


def test_saved_prompt_body_is_accepted(tmp_path):
    workflow = load_workflow(write_json(tmp_path / "body.json", {"prompt": USER_EXPORT}))
    assert workflow.stage is Stage.IMAGE


def test_title_on_a_node_without_that_input_is_refused(tmp_path):
    graph = json.loads(json.dumps(USER_EXPORT))
    graph["6"]["_meta"]["title"] = "$steps"
    with pytest.raises(InvalidInput, match=r"'\$steps' \(VAEDecode\) has no input"):
        load_workflow(_user_file(tmp_path, graph))


def test_unknown_class_binds_an_input_of_the_same_name(tmp_path):
    graph = json.loads(json.dumps(USER_EXPORT))
    graph["8"] = {
        "class_type": "SomePackSampler",
        "inputs": {"seed": 1, "model": ["1", 0]},
        "_meta": {"title": "$seed"},
    }
    workflow = load_workflow(_user_file(tmp_path, graph))
    assert ("8", "seed") in [(b.node_id, b.input) for b in workflow.bindings["seed"]]


def test_parameter_of_another_stage_is_refused(tmp_path):
    graph = json.loads(json.dumps(USER_EXPORT))
    graph["3"]["_meta"]["title"] = "$speaker"
    graph["3"]["class_type"] = "FB_Qwen3TTSCustomVoice"
    graph["3"]["inputs"]["speaker"] = "Ryan"
    with pytest.raises(InvalidInput, match=r"\$speaker is not a parameter of the image stage"):
        load_workflow(_user_file(tmp_path, graph))


def test_sidecar_manifest_is_used_and_stage_checked(tmp_path):
    path = _user_file(tmp_path)
    write_json(
        tmp_path / "my_flow.vidgen.json",
        {"stage": "image", "name": "Fox maker", "defaults": {"steps": 12}},
    )
    workflow = load_workflow(path)
    assert not workflow.inferred and workflow.name == "Fox maker"
    assert workflow.default("steps") == 12
    with pytest.raises(InvalidInput, match="made for the image stage, not the video stage"):
        load_workflow(path, stage=Stage.VIDEO)


def test_malformed_sidecar_is_reported(tmp_path):
    path = _user_file(tmp_path)
    write_json(tmp_path / "my_flow.vidgen.json", {"stage": "painting", "name": "x"})
    with pytest.raises(InvalidInput, match="manifest describing my_flow.json is malformed"):
        load_workflow(path)


def test_shipped_workflows_filter_by_stage_in_manifest_order():
    voices = shipped_workflows(WORKFLOWS, Stage.VOICE)
    assert [w.path.name for w in voices][:2] == [
        "voice_qwen3_tts.json",
        "voice_qwen3_tts_clone.json",
    ]
    assert all(w.stage is Stage.VOICE for w in voices)
    assert {w.stage for w in shipped_workflows(WORKFLOWS)} == set(Stage)


def test_shipped_manifest_damage_is_reported(workflows_copy):
    write_json(workflows_copy / "manifest.json", {"workflows": {"x.json": {"stage": 3}}})
    with pytest.raises(InvalidInput, match="shipped workflow manifest is malformed"):
        shipped_workflows(workflows_copy)


def test_readme_documents_every_parameter_and_bound_class():
    from vidgen_desktop.workflow import CLASS_BINDINGS, STAGE_PARAMS

    readme = (WORKFLOWS / "README.md").read_text(encoding="utf-8")
    for params in STAGE_PARAMS.values():
        for param in params:
            assert f"${param}" in readme, param
    for class_type in CLASS_BINDINGS:
        assert class_type.replace("1.5", "") in readme, class_type


def test_bom_from_windows_editors_is_accepted(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(USER_EXPORT).encode("utf-8"))
    assert load_workflow(path).stage is Stage.IMAGE


def test_a_huge_file_is_refused_without_reading_it(tmp_path, monkeypatch):
    from vidgen_desktop.workflow import loader

    monkeypatch.setattr(loader, "MAX_FILE_BYTES", 100)
    with pytest.raises(InvalidInput, match="too large to be a workflow"):
        load_workflow(_user_file(tmp_path))


def test_same_name_fallback_never_overwrites_a_link(tmp_path):
    graph = json.loads(json.dumps(USER_EXPORT))
    graph["8"] = {
        "class_type": "SomeGuider",
        "inputs": {"positive": ["2", 0]},
        "_meta": {"title": "$positive"},
    }
    with pytest.raises(InvalidInput, match=r"\(SomeGuider\) has no input the app can set"):
        load_workflow(_user_file(tmp_path, graph))
