"""The prompt template: the user's text with {topic}; a template without it is a clear error."""

from __future__ import annotations

import pytest

from vidgen_desktop.core.errors import InvalidInput
from vidgen_desktop.core.template import PromptTemplate, default_template, load_template


def test_shipped_template_is_the_users_with_topic_inserted():
    template = default_template()
    prompt = template.render("  a  lighthouse keeper ")
    assert "Topic: a lighthouse keeper\n" in prompt
    assert "You are a multimodal content generator." in prompt
    assert "Tone:" in prompt and "{" not in prompt.split("Topic:")[1]
    for key in ('"lyrics"', '"tags"', '"positive_prompt"', '"negative_prompt"'):
        assert key in prompt


def test_user_copy_in_config_dir_wins(tmp_path):
    (tmp_path / "prompt_template.txt").write_text("Scene JSON about {topic}, please.")
    assert default_template(tmp_path).render("cats") == "Scene JSON about cats, please."


def test_template_without_topic_placeholder_is_rejected(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("Topic: {{Insert topic here}}")
    with pytest.raises(InvalidInput) as info:
        load_template(path)
    assert "no {topic} placeholder" in info.value.message
    assert "{topic}" in info.value.hint


def test_unknown_placeholder_is_rejected_but_json_braces_are_fine():
    with pytest.raises(InvalidInput, match="unknown placeholders: {tone}"):
        PromptTemplate("{topic} {tone}")
    assert PromptTemplate('Example: {"audio": {}} about {topic}').render("x").endswith("about x")


def test_empty_topic_is_input_error():
    with pytest.raises(InvalidInput, match="Type a topic"):
        default_template().render("   ")


def test_unreadable_template_file(tmp_path):
    with pytest.raises(InvalidInput, match="Cannot read"):
        load_template(tmp_path / "missing.txt")
