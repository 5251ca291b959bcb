"""bind(): values land on the titled inputs, the file's graph never changes, seeds are reported."""

from __future__ import annotations

import copy

import pytest

from tests.workflow.conftest import WORKFLOWS
from vidgen_desktop.workflow import SEED_LIMIT, bind, bypass_node, load_workflow


@pytest.fixture
def sdxl():
    return load_workflow(WORKFLOWS / "image_sdxl.json")


def test_values_land_on_the_titled_inputs(sdxl):
    bound = bind(
        sdxl,
        {
            "positive": "a fox",
            "negative": "ugly",
            "width": 896,
            "height": 1152,
            "steps": 30,
            "cfg": 5.5,
            "seed": 123,
        },
    )
    g = bound.graph
    assert g["2"]["inputs"]["text"] == "a fox" and g["3"]["inputs"]["text"] == "ugly"
    assert (g["4"]["inputs"]["width"], g["4"]["inputs"]["height"]) == (896, 1152)
    assert g["5"]["inputs"]["steps"] == 30 and g["5"]["inputs"]["cfg"] == 5.5
    assert g["5"]["inputs"]["seed"] == 123 and bound.seed == 123
    assert bound.output_nodes == ["7"]
    # links untouched
    assert g["5"]["inputs"]["positive"] == ["2", 0]


def test_types_are_coerced_for_the_server(sdxl):
    g = bind(sdxl, {"positive": "x", "width": "832", "steps": 20.0, "cfg": 7, "seed": "5"}).graph
    assert g["4"]["inputs"]["width"] == 832 and isinstance(g["4"]["inputs"]["width"], int)
    assert isinstance(g["5"]["inputs"]["steps"], int)
    assert isinstance(g["5"]["inputs"]["cfg"], float)
    assert g["5"]["inputs"]["seed"] == 5


def test_the_loaded_graph_is_never_mutated(sdxl):
    before = copy.deepcopy(sdxl.api_graph())
    first = bind(sdxl, {"positive": "one", "seed": 1})
    first.graph["5"]["inputs"]["steps"] = 999
    second = bind(sdxl, {"seed": 2})
    assert sdxl.api_graph() == before
    assert second.graph["2"]["inputs"]["text"] == before["2"]["inputs"]["text"]
    assert second.graph["5"]["inputs"]["steps"] == 25


def test_manifest_defaults_apply_when_not_given(sdxl):
    bound = bind(sdxl, {"positive": "x", "seed": 1})
    assert bound.graph["5"]["inputs"]["steps"] == 25 and bound.values["cfg"] == 7.0


def test_seed_none_draws_a_random_seed_and_reports_it(sdxl):
    seeds = set()
    for _ in range(5):
        bound = bind(sdxl, {"positive": "x", "seed": None})
        assert 0 <= bound.seed < SEED_LIMIT
        assert bound.graph["5"]["inputs"]["seed"] == bound.seed
        seeds.add(bound.seed)
    assert len(seeds) > 1
    assert bind(sdxl, {"positive": "x"}).seed is not None  # omitted = random too


def test_style_is_appended_to_the_positive_prompt(sdxl):
    g = bind(sdxl, {"positive": "a fox", "style": "watercolour, soft light", "seed": 1}).graph
    assert g["2"]["inputs"]["text"] == "a fox, watercolour, soft light"
    g = bind(sdxl, {"style": "oil painting", "seed": 1}).graph
    assert g["2"]["inputs"]["text"].endswith(", oil painting")


def test_parameters_the_workflow_lacks_are_reported_not_applied():
    z_image = load_workflow(WORKFLOWS / "image_z_image_turbo.json")
    bound = bind(z_image, {"positive": "x", "negative": "ignored", "seed": 3})
    assert bound.ignored == ["negative"]
    assert "ignored" not in str(bound.graph)


def test_unknown_parameter_is_a_programming_error(sdxl):
    with pytest.raises(ValueError, match="speaker"):
        bind(sdxl, {"speaker": "Ryan"})


def test_one_seed_feeds_every_seeded_node():
    ace = load_workflow(WORKFLOWS / "voice_ace_step_15_song.json")
    bound = bind(ace, {"text": "[verse]\nla la", "tags": "jazz", "seconds": 42, "seed": 99})
    g = bound.graph
    assert g["3"]["inputs"]["seed"] == 99 and g["6"]["inputs"]["seed"] == 99
    assert g["3"]["inputs"]["lyrics"] == "[verse]\nla la" and g["3"]["inputs"]["tags"] == "jazz"
    assert g["3"]["inputs"]["duration"] == 42.0 and g["5"]["inputs"]["seconds"] == 42.0


def test_voice_bindings_for_both_qwen_workflows():
    preset = bind(
        load_workflow(WORKFLOWS / "voice_qwen3_tts.json"),
        {"text": "Hi!", "instruct": "whisper", "speaker": "Vivian", "seed": 4},
    )
    inputs = preset.graph["1"]["inputs"]
    assert (inputs["text"], inputs["instruct"], inputs["speaker"], inputs["seed"]) == (
        "Hi!",
        "whisper",
        "Vivian",
        4,
    )
    clone = bind(
        load_workflow(WORKFLOWS / "voice_qwen3_tts_clone.json"),
        {"text": "Hi!", "reference_audio": "me (1).wav", "reference_text": "It is me."},
    )
    assert clone.graph["1"]["inputs"]["audio"] == "me (1).wav"
    assert clone.graph["2"]["inputs"]["target_text"] == "Hi!"
    assert clone.graph["2"]["inputs"]["ref_text"] == "It is me."


def test_bypass_rewires_consumers_and_refuses_unlinked_inputs():
    graph = {
        "1": {"class_type": "A", "inputs": {}},
        "2": {"class_type": "Lora", "inputs": {"model": ["1", 0], "strength": 1.0}},
        "3": {"class_type": "B", "inputs": {"model": ["2", 0]}},
    }
    bypass_node(graph, "2", "model")
    assert "2" not in graph and graph["3"]["inputs"]["model"] == ["1", 0]
    with pytest.raises(ValueError, match="no linked input"):
        bypass_node({"9": {"class_type": "X", "inputs": {"model": 3}}}, "9", "model")
