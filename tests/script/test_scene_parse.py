"""The tolerant parser: what small models really send, and nothing but our typed error escapes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fakes.fake_ollama import GOOD_SCENE, scene_text
from vidgen_desktop.core.errors import InvalidOutput
from vidgen_desktop.core.scene import Scene
from vidgen_desktop.core.scene_parse import InvalidSceneReply, parse_scene, salvaged_fields


@pytest.mark.parametrize(
    "text",
    [
        scene_text(),
        "```json\n" + scene_text() + "\n```",
        "Sure! Here is the scene you asked for:\n\n" + scene_text() + "\n\nEnjoy!",
        "<think>The user wants a scene {maybe}.</think>\n" + scene_text(),
        json.dumps({"scene": GOOD_SCENE}),
        json.dumps(
            {**GOOD_SCENE, "title": "extra key", "audio": {**GOOD_SCENE["audio"], "mood": "x"}}
        ),
        scene_text().replace("]\n  }", "],\n  }"),  # trailing comma
        json.dumps(
            {
                "Audio": {"Lyrics": "la", "Tags": "a, b"},
                "VIDEO": GOOD_SCENE["video"],
                "image": {"positive prompt": "p", "negative-prompt": "n"},
            }
        ),
    ],
    ids=[
        "plain",
        "fenced",
        "prose",
        "think",
        "wrapped",
        "extra-keys",
        "trailing-comma",
        "key-case",
    ],
)
def test_tolerates_what_small_models_send(text):
    scene = parse_scene(text)
    assert isinstance(scene, Scene)
    assert scene.audio.tags and all(t.strip() for t in scene.audio.tags)


def test_tags_as_one_comma_separated_string_become_a_list():
    scene = parse_scene(scene_text(audio={"lyrics": "hi", "tags": "calm, warm voice; piano"}))
    assert scene.audio.tags == ["calm", "warm voice", "piano"]


def test_exact_field_errors_and_salvage():
    text = json.dumps({"audio": {"lyrics": "  ", "tags": []}, "video": {"positive_prompt": "v"}})
    with pytest.raises(InvalidSceneReply) as info:
        parse_scene(text)
    paths = {e.path: e.message for e in info.value.errors}
    assert paths["audio.lyrics"] == "empty"
    assert "audio.tags" in paths
    assert paths["video.negative_prompt"] == "missing"
    assert paths["image"] == "missing"
    assert info.value.raw == text
    assert salvaged_fields(info.value.salvaged)[("video", "positive_prompt")] == "v"


def test_no_json_says_so():
    with pytest.raises(InvalidSceneReply) as info:
        parse_scene("I cannot help with that.")
    assert info.value.errors[0].path == "(reply)"
    assert "no JSON object" in info.value.errors[0].message


def test_broken_json_reports_line_and_column():
    with pytest.raises(InvalidSceneReply) as info:
        parse_scene('{"audio": {"lyrics": "x",,}')
    assert "line 1" in info.value.errors[0].message


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "audio",
                    "video",
                    "image",
                    "lyrics",
                    "tags",
                    "positive_prompt",
                    "negative_prompt",
                    "x",
                ]
            )
            | st.text(max_size=8),
            children,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text_raises_only_our_typed_error(text):
    try:
        scene = parse_scene(text)
    except InvalidSceneReply as exc:
        assert isinstance(exc, InvalidOutput) and exc.raw == text and exc.errors
    else:
        assert isinstance(scene, Scene)


@settings(max_examples=300, deadline=None)
@given(json_values, st.text(max_size=30), st.text(max_size=30))
def test_arbitrary_json_in_prose_raises_only_our_typed_error(value, before, after):
    text = before + json.dumps(value) + after
    try:
        parse_scene(text)
    except InvalidSceneReply as exc:
        assert exc.raw == text


def test_deep_nesting_does_not_escape_as_recursion_error():
    with pytest.raises(InvalidSceneReply):
        parse_scene("{" + '"a":{' * 100000)
    with pytest.raises(InvalidSceneReply):
        parse_scene('{"audio": ' + "[" * 100000)
