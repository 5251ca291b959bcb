"""preflight(): what the server would reject, told before queueing, in words a user can act on."""

from __future__ import annotations

import json

import pytest

from tests.workflow.conftest import WORKFLOWS, stock_models, write_json
from vidgen_desktop.workflow import (
    ProblemKind,
    Stage,
    availability,
    bind,
    load_workflow,
    preflight,
    shipped_workflows,
    usable_workflows,
)

Z_IMAGE_FILES = {
    ("UNETLoader", "unet_name"): ["z_image_turbo_bf16.safetensors"],
    ("CLIPLoader", "clip_name"): ["qwen_3_4b.safetensors"],
    ("VAELoader", "vae_name"): ["ae.safetensors", "pixel_space"],
}
S2V_FILES = {
    ("UNETLoader", "unet_name"): ["wan2.2_s2v_14B_fp8_scaled.safetensors"],
    ("CLIPLoader", "clip_name"): ["umt5_xxl_fp8_e4m3fn_scaled.safetensors"],
    ("VAELoader", "vae_name"): ["wan_2.1_vae.safetensors"],
    ("AudioEncoderLoader", "audio_encoder_name"): ["wav2vec2_large_english_fp16.safetensors"],
}


def test_missing_node_pack_is_named_with_install_steps(core_025):
    workflow = load_workflow(WORKFLOWS / "voice_qwen3_tts.json")
    problems = preflight(workflow, core_025)  # core only: the pack is not installed
    assert [p.kind for p in problems] == [ProblemKind.MISSING_NODE]
    text = problems[0].user_text()
    assert "FB_Qwen3TTSCustomVoice" in text and "ComfyUI-Qwen-TTS" in text
    assert "https://github.com/flybirdxx/ComfyUI-Qwen-TTS" in text
    assert "custom_nodes" in text and "restart ComfyUI" in text
    assert problems[0].pack is not None and problems[0].pack.name.startswith("ComfyUI-Qwen-TTS")


def test_pack_is_named_from_the_known_list_without_a_manifest(tmp_path, core_025):
    graph = {
        "1": {
            "class_type": "VibeVoiceTTS",
            "inputs": {"text": "Speaker 1: hi"},
            "_meta": {"title": "$text"},
        },
        "2": {
            "class_type": "SaveAudio",
            "inputs": {"audio": ["1", 0], "filename_prefix": "a"},
            "_meta": {"title": "$output"},
        },
    }
    workflow = load_workflow(write_json(tmp_path / "vibe.json", graph))
    problem = preflight(workflow, core_025)[0]
    assert problem.kind is ProblemKind.MISSING_NODE and "ComfyUI-VibeVoice" in problem.message


def test_unknown_class_gets_a_generic_install_hint(tmp_path, core_025):
    graph = json.loads((WORKFLOWS / "image_sdxl.json").read_text(encoding="utf-8"))
    graph["6"]["class_type"] = "FancyDecode"
    workflow = load_workflow(write_json(tmp_path / "fancy.json", graph))
    problems = [p for p in preflight(workflow, core_025) if p.kind is ProblemKind.MISSING_NODE]
    assert len(problems) == 1
    assert "'FancyDecode'" in problems[0].message
    assert "Install Missing Custom Nodes" in problems[0].hint


def test_missing_model_says_which_folder_and_where_to_download(info_025):
    workflow = load_workflow(WORKFLOWS / "image_z_image_turbo.json")
    problems = {p.input: p for p in preflight(workflow, info_025)}
    unet = problems["unet_name"]
    assert unet.kind is ProblemKind.MISSING_MODEL
    assert "Put z_image_turbo_bf16.safetensors into ComfyUI/models/diffusion_models/" in unet.hint
    assert "https://huggingface.co/Comfy-Org/z_image_turbo/" in unet.hint
    assert "ComfyUI/models/text_encoders/" in problems["clip_name"].hint


def test_missing_model_of_a_user_workflow_uses_the_loader_folder(tmp_path, info_0364):
    graph = json.loads((WORKFLOWS / "image_sdxl.json").read_text(encoding="utf-8"))
    graph["1"]["inputs"]["ckpt_name"] = "my_model.safetensors"
    workflow = load_workflow(write_json(tmp_path / "mine.json", graph))
    (problem,) = preflight(workflow, info_0364)
    assert problem.hint.startswith("Put my_model.safetensors into ComfyUI/models/checkpoints/")


def test_models_present_means_no_problems(info_025):
    workflow = load_workflow(WORKFLOWS / "image_z_image_turbo.json")
    assert preflight(workflow, stock_models(info_025, Z_IMAGE_FILES)) == []


def test_unknown_input_flags_a_version_mismatch(tmp_path, info_0364):
    """CreateVideo.bit_depth exists in 0.25 only: a 0.25 export fails on 0.3.64."""
    graph = json.loads((WORKFLOWS / "video_wan22_s2v.json").read_text(encoding="utf-8"))
    graph["19"]["inputs"]["bit_depth"] = 8
    workflow = load_workflow(write_json(tmp_path / "new.json", graph))
    (problem,) = [
        p for p in preflight(workflow, info_0364) if p.kind is not ProblemKind.MISSING_MODEL
    ]
    assert problem.kind is ProblemKind.UNKNOWN_INPUT
    assert "CreateVideo (node 19) has no input 'bit_depth'" in problem.message
    assert "another ComfyUI version" in problem.hint


@pytest.mark.parametrize(
    ("node", "name", "value", "kind", "words"),
    [
        ("5", "steps", 0, ProblemKind.BAD_VALUE, "steps 0 is below 1"),
        ("5", "cfg", 150.0, ProblemKind.BAD_VALUE, "cfg 150.0 is above 100.0"),
        ("5", "sampler_name", "fastest", ProblemKind.BAD_VALUE, "'fastest' is not a choice"),
        ("4", "width", 8, ProblemKind.BAD_VALUE, "width 8 is below 16"),
        ("6", "vae", ["1", 5], ProblemKind.BAD_LINK, "uses output 5 of CheckpointLoaderSimple"),
        ("6", "vae", ["1", 0], ProblemKind.BAD_LINK, "expects VAE but gets MODEL"),
    ],
)
def test_values_and_links_the_server_would_refuse(info_025, node, name, value, kind, words):
    workflow = load_workflow(WORKFLOWS / "image_sdxl.json")
    graph = workflow.api_graph()
    graph[node]["inputs"][name] = value
    problems = [
        p
        for p in preflight(workflow, info_025, graph=graph)
        if p.kind is not ProblemKind.MISSING_MODEL
    ]
    assert [p.kind for p in problems] == [kind]
    assert words in problems[0].message


def test_missing_required_input_and_dangling_link(info_025):
    workflow = load_workflow(WORKFLOWS / "image_sdxl.json")
    graph = workflow.api_graph()
    del graph["5"]["inputs"]["scheduler"]
    graph["7"]["inputs"]["images"] = ["66", 0]
    problems = [
        p
        for p in preflight(workflow, info_025, graph=graph)
        if p.kind is not ProblemKind.MISSING_MODEL
    ]
    assert {p.kind for p in problems} == {ProblemKind.MISSING_INPUT, ProblemKind.BAD_LINK}
    assert any("lacks its required input 'scheduler'" in p.message for p in problems)
    assert any("linked to node 66" in p.message for p in problems)


def test_upload_placeholders_are_not_reported(info_025):
    """LoadImage/LoadAudio values are set right before queueing, after the upload."""
    workflow = load_workflow(WORKFLOWS / "video_wan22_s2v.json")
    problems = preflight(workflow, stock_models(info_025, S2V_FILES))
    assert [p.input for p in problems] == ["lora_name"]


def test_switching_the_lora_off_removes_its_file_from_the_check(info_025):
    workflow = load_workflow(WORKFLOWS / "video_wan22_s2v.json")
    stocked = stock_models(info_025, S2V_FILES)
    base = {"image": "a.png", "audio": "b.wav", "positive": "p", "seconds": 5.0}
    off = bind(workflow, {**base, "lora": False})
    assert preflight(workflow, stocked, graph=off.graph) == []
    on = bind(workflow, {**base, "lora": True})
    (problem,) = preflight(workflow, stocked, graph=on.graph)
    assert "ComfyUI/models/loras/" in problem.hint


def test_the_app_offers_the_workflows_whose_models_the_server_has(core_025, info_025, info_0364):
    shipped = shipped_workflows(WORKFLOWS)
    assert usable_workflows(shipped, core_025) == []  # no weights, no TTS pack
    # With the pack, Qwen3-TTS is usable: it fetches its own weights on first use.
    qwen = ["Speech: Qwen3-TTS preset voice", "Speech: Qwen3-TTS voice clone"]
    assert [w.name for w in usable_workflows(shipped, info_025)] == qwen
    both = {
        k: Z_IMAGE_FILES.get(k, []) + S2V_FILES.get(k, []) for k in {*Z_IMAGE_FILES, *S2V_FILES}
    }
    stocked = stock_models(info_025, both)
    usable = usable_workflows(shipped, stocked)
    assert [w.name for w in usable] == ["Z-Image Turbo", *qwen, "Talking avatar: Wan 2.2 S2V"]
    old = stock_models(
        info_0364,
        {
            ("CheckpointLoaderSimple", "ckpt_name"): [
                "ace_step_v1_3.5b.safetensors",
                "ace_step_1.5_turbo_aio.safetensors",
            ]
        },
    )
    voices = [w.name for w in usable_workflows(shipped_workflows(WORKFLOWS, Stage.VOICE), old)]
    assert voices == ["Song: ACE-Step v1"]  # 1.5 nodes and the Qwen pack are absent on 0.3.64


def test_availability_explains_each_unusable_workflow(info_025):
    results = availability(shipped_workflows(WORKFLOWS, Stage.IMAGE), info_025)
    assert [r.usable for r in results] == [False, False]
    assert all("ComfyUI/models/" in r.reason() for r in results)


def test_dynamic_combo_sub_inputs_are_known_on_025(tmp_path, core_025):
    """0.25 sends a dynamic combo's own inputs as `<combo>.<sub>` (checked on a real server)."""
    graph = {
        "1": {
            "class_type": "EmptyImage",
            "inputs": {"width": 64, "height": 64, "batch_size": 1, "color": 0},
        },
        "2": {
            "class_type": "ResizeImageMaskNode",
            "inputs": {
                "input": ["1", 0],
                "resize_type": "scale dimensions",
                "resize_type.width": 32,
                "resize_type.height": 16,
                "resize_type.crop": "center",
                "scale_method": "area",
            },
            "_meta": {"title": "resize"},
        },
        "3": {
            "class_type": "SaveImage",
            "inputs": {"images": ["2", 0], "filename_prefix": "x"},
            "_meta": {"title": "$output"},
        },
        "4": {
            "class_type": "CLIPTextEncode",
            "inputs": {"text": "", "clip": ["9", 0]},
            "_meta": {"title": "$positive"},
        },
        "9": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "m.safetensors"}},
        "5": {"class_type": "KSampler", "inputs": {"seed": 1}, "_meta": {"title": "$seed"}},
    }
    workflow = load_workflow(write_json(tmp_path / "resize.json", graph))
    problems = [p for p in preflight(workflow, core_025) if p.node_id == "2"]
    assert problems == [], [p.message for p in problems]
    graph["2"]["inputs"]["resize_type"] = "stretch somehow"
    (problem,) = [p for p in preflight(workflow, core_025, graph=graph) if p.node_id == "2"]
    assert "'stretch somehow' is not a choice for resize_type" in problem.message
