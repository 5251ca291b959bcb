"""Help › Set-up… through the real window: what cannot run and why, a missing file downloaded
with its source shown first (through the mirror set in Settings) and the page checking again by
itself, a slot's picker that knows what each file is and remembers the choice, and Ollama's
models pulled from the page."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QProgressBar, QPushButton

from tests.fakes import model_files as mf
from tests.fakes.fake_comfy import FakeComfy
from tests.fakes.file_server import FileServer
from tests.fakes.shipped_models import BUILDERS, install_shipped_models
from tests.projects.conftest import app_window as app_window
from vidgen_desktop.workflow import named_workflow
from vidgen_desktop.workflow.conventions import Stage

VAE = "wan_2.1_vae.safetensors"


@pytest.fixture
def fake_comfy(tmp_path):
    fake = FakeComfy("0.25")
    fake.model_root = tmp_path / "ComfyUI" / "models"
    install_shipped_models(fake.model_root, skip=(VAE,))
    yield fake
    fake.stop()


@pytest.fixture
def hub(tmp_path):
    server = FileServer()
    vae_url = next(
        m.url
        for m in named_workflow("video_wan22_s2v", Stage.VIDEO).manifest.models
        if m.file == VAE
    )
    path = vae_url.removeprefix("https://huggingface.co")
    source = mf.write_safetensors(tmp_path / "hub" / VAE, BUILDERS[VAE](), sparse=False)
    server.add(path, source.read_bytes())
    yield server
    server.stop()


def open_setup(qtbot, win):
    win.setup_action.trigger()
    dialog = win.setup_dialog
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=15000)
    return dialog


def scroll_to(qtbot, dialog, widget):
    """As a user scrolls the page until the widget is on screen."""
    viewport = dialog.page.viewport()

    def on_screen() -> bool:
        dialog.page.ensureWidgetVisible(widget)
        where = widget.mapTo(dialog, widget.rect().center())
        return viewport.rect().contains(widget.mapTo(viewport, widget.rect().center())) and (
            dialog.childAt(where) is widget
        )

    qtbot.waitUntil(on_screen, timeout=3000)


def box_of(dialog, stem):
    from PySide6.QtWidgets import QGroupBox

    return dialog.findChild(QGroupBox, f"setup_wf_{stem}")


def test_a_missing_file_is_downloaded_from_the_page_and_the_page_checks_again(
    qtbot, app_window, fake_comfy, hub, isolated_home
):
    win = app_window(settings={"download_mirror": hub.url})
    dialog = open_setup(qtbot, win)
    assert "Not ready yet" in dialog.summary.text()
    assert "ComfyUI</b> 0.25.0" in dialog.servers.text()
    video = box_of(dialog, "video_wan22_s2v")
    assert "cannot run yet" in video.findChild(QLabel, "setup_wf_state").text()
    assert "can run" in box_of(dialog, "image_sdxl").findChild(QLabel, "setup_wf_state").text()

    row = next(r for r in dialog.rows if r.file == VAE)
    # the source address is on screen before anything is fetched, and nothing was fetched yet
    assert hub.url in row.source.text() and "/resolve/main/" in row.source.text()
    assert hub.requests == []
    button = row.findChild(QPushButton, "download_button")
    assert button.isEnabled() and button.text() == "Download"
    scroll_to(qtbot, dialog, button)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    target = fake_comfy.model_root / "vae" / VAE
    qtbot.waitUntil(target.exists, timeout=15000)
    qtbot.waitUntil(lambda: "Ready" in dialog.summary.text(), timeout=15000)
    qtbot.waitUntil(
        lambda: (
            box_of(dialog, "video_wan22_s2v")
            .findChild(QLabel, "setup_wf_state")
            .text()
            .split(">")[1]
            .split("<")[0]
            == "can run"
        ),
        timeout=5000,
    )


def test_a_folder_on_another_machine_says_where_the_file_goes_instead_of_downloading(
    qtbot, app_window, fake_comfy
):
    fake_comfy.paths_seen_as = "/srv/other-pc/ComfyUI"
    win = app_window()
    dialog = open_setup(qtbot, win)
    row = next(r for r in dialog.rows if r.file == VAE)
    button = row.findChild(QPushButton, "download_button")
    assert not button.isEnabled()
    assert "put wan_2.1_vae.safetensors into models/vae/ on the computer ComfyUI runs on" in (
        button.toolTip()
    )
    assert "guessed from the name" in " ".join(
        p.about.text() for p in dialog.pickers if p.slot.folder == "diffusion_models"
    )


def test_the_picker_flags_a_file_that_does_not_fit_and_remembers_the_choice(
    qtbot, app_window, fake_comfy, isolated_home
):
    ckpts = fake_comfy.model_root / "checkpoints"
    mf.write_safetensors(ckpts / "old_sd15.safetensors", mf.sd15_checkpoint())
    mf.write_safetensors(ckpts / "juggernaut_xl.safetensors", mf.sdxl_checkpoint())
    win = app_window()
    dialog = open_setup(qtbot, win)
    picker = next(
        p
        for p in dialog.pickers
        if p.slot.input == "ckpt_name"
        and p.slot.folder == "checkpoints"
        and p.default_file.startswith("sd_xl")
    )
    files = [picker.combo.itemData(i) for i in range(picker.combo.count())]
    assert files.index("juggernaut_xl.safetensors") < files.index("old_sd15.safetensors")
    assert "does not fit" in picker.combo.itemText(files.index("old_sd15.safetensors"))
    picker.combo.setCurrentIndex(files.index("old_sd15.safetensors"))
    assert "old_sd15.safetensors is an SD 1.5 checkpoint; the workflow expects SDXL" in (
        picker.about.text()
    )
    picker.combo.setCurrentIndex(files.index("juggernaut_xl.safetensors"))
    assert "SDXL base checkpoint" in picker.about.text()
    settings_file = isolated_home / "config" / "settings.json"
    qtbot.waitUntil(
        lambda: "juggernaut_xl" in settings_file.read_text(encoding="utf-8"), timeout=5000
    )
    saved = json.loads(settings_file.read_text(encoding="utf-8"))["model_choices"]
    assert saved[fake_comfy.url]["SDXL (checkpoint)"] == {
        "1.ckpt_name": "juggernaut_xl.safetensors"
    }


def test_an_ollama_model_is_pulled_from_the_page_with_progress(
    qtbot, app_window, fake_comfy, fake_ollama
):
    fake_ollama.state.pull_delay = 0.05
    win = app_window()
    dialog = open_setup(qtbot, win)
    box = dialog.ollama_box
    qtbot.waitUntil(lambda: box.table.rowCount() > 0, timeout=5000)
    box.findChild(QLineEdit, "ollama_pull_name").setText("llama3.2")
    qtbot.mouseClick(box.findChild(QPushButton, "ollama_pull"), Qt.MouseButton.LeftButton)
    status = box.findChild(QLabel, "ollama_pull_status")
    qtbot.waitUntil(lambda: "pulling dde5aa3fc5ff" in status.text(), timeout=5000)
    assert box.findChild(QProgressBar).isVisible()
    qtbot.waitUntil(lambda: status.text() == "llama3.2 is installed.", timeout=10000)
    names = [box.table.item(r, 0).text() for r in range(box.table.rowCount())]
    qtbot.waitUntil(
        lambda: "llama3.2" in [box.table.item(r, 0).text() for r in range(box.table.rowCount())],
        timeout=5000,
    )
    assert names is not None


def test_the_start_page_leads_to_the_set_up_page(qtbot, app_window):
    win = app_window()
    win.projects.close_project()
    assert win.pages.currentWidget() is win.start_page
    qtbot.mouseClick(
        win.start_page.findChild(QPushButton, "start_setup"), Qt.MouseButton.LeftButton
    )
    qtbot.waitUntil(lambda: getattr(win, "setup_dialog", None) is not None, timeout=3000)
    dialog = win.setup_dialog
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=15000)
    assert "3 models installed" in dialog.servers.text()
    # Help › Set-up… again raises the same page instead of opening a second one
    win.setup_action.trigger()
    assert win.setup_dialog is dialog


def test_a_comfyui_answering_elsewhere_is_found_and_used_with_one_click(
    qtbot, app_window, fake_comfy, isolated_home
):
    from urllib.parse import urlparse

    port = urlparse(fake_comfy.url).port
    win = app_window(settings={"managed_port": port})
    win.context.settings.comfyui_url = "http://127.0.0.1:9"  # a stale address
    dialog = open_setup(qtbot, win)
    assert "is not reachable at http://127.0.0.1:9" in dialog.servers.text()
    button = dialog.use_found
    assert button.isVisible() and button.text() == f"Use the ComfyUI at {fake_comfy.url}"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "ComfyUI</b> 0.25.0" in dialog.servers.text(), timeout=15000)
    assert win.context.settings.comfyui_url == fake_comfy.url
    assert not button.isVisible()


def test_a_stages_models_button_opens_the_page_at_its_workflow(qtbot, app_window):
    win = app_window()
    video = win.panels[3]  # the last workflow on the page: it must be scrolled to
    win.show_stage(3)
    qtbot.waitUntil(lambda: video.current_workflow() is not None, timeout=10000)
    stem = video.current_workflow().path.stem
    button = video.picker.models_button
    assert button.isVisible() and "Set-up" in button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = win.setup_dialog
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=15000)
    box = box_of(dialog, stem)
    viewport = dialog.page.viewport()
    assert dialog.page.verticalScrollBar().maximum() > 0  # the page is taller than its window
    qtbot.waitUntil(lambda: dialog.page.verticalScrollBar().value() > 0, timeout=3000)
    top = box.mapTo(viewport, box.rect().topLeft())
    assert viewport.rect().contains(top)
