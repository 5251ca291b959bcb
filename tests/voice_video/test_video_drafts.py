"""The Video stage's Draft button and the defaults that fit the user's card, through the real
window against the fake ComfyUI."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.voice_video.conftest import queued
from tests.voice_video.test_video_panel import upstream, video_panel

GB = 1024**3


def test_draft_makes_a_marked_take_that_is_not_chosen_and_keeps_its_seed(
    qtbot, window, scene, fake_comfy
):
    upstream(window, scene)
    panel = video_panel(qtbot, window)
    assert panel.draft_button.isEnabled() and "first chunk" in panel.draft_button.toolTip()
    assert "Draft (first chunk, 288×496, 4-step LoRA)" in panel.cost_label.text()
    assert panel.seed.value() is None
    with qtbot.waitSignal(panel.runner.done, timeout=20000):
        qtbot.mouseClick(panel.draft_button, Qt.MouseButton.LeftButton)
    project = window.context.project
    (take,) = project.takes_for("video")
    assert take.draft and project.chosen_take("video") is None
    assert project.path_of(take).name.startswith("draft-")
    (graph,) = queued(fake_comfy)
    base = next(n["inputs"] for n in graph.values() if n["class_type"] == "WanSoundImageToVideo")
    assert (base["width"], base["height"]) == (288, 496)
    assert panel.seed.value() == take.seed  # the full render will match the draft
    assert "Its seed" in panel.banner.text()
    item = panel.takes.item_for(take.id)
    assert "DRAFT" in item.text() and "a DRAFT" in item.toolTip()
    qtbot.waitUntil(lambda: "from a draft on this machine" in panel.cost_label.text(), timeout=5000)
    # the stage is not done with a draft alone
    assert panel.stage_state().status.name != "done"


def test_the_video_defaults_follow_the_card_until_the_user_chooses(qtbot, window, scene):
    upstream(window, scene)
    panel = video_panel(qtbot, window)
    window.context.set_card_bytes(12 * GB)
    assert panel.lora.isChecked() and panel.steps.value() == 4
    assert panel.card_note.isVisibleTo(panel)
    assert panel.card_note.text().startswith("Your GPU has 12 GB: the fast path (4-step LoRA")
    assert "12 sampler steps" in panel.cost_label.text()
    window.context.set_card_bytes(48 * GB)
    assert not panel.lora.isChecked() and panel.steps.value() == 20
    assert panel.card_note.text() == "Your GPU has 48 GB: the full 20-step path is the default."
    panel.lora.click()  # the user's own choice (the box may be scrolled out of view)
    assert panel.lora.isChecked() and not panel.card_note.isVisibleTo(panel)
    assert window.context.settings.stage_values["video.lora"] is True
    window.context.set_card_bytes(80 * GB)
    assert panel.lora.isChecked()  # and it wins over the card from now on
