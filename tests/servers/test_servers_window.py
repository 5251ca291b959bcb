"""Several ComfyUI servers through the real window: one status-bar segment for all of them, the
Servers panel on its click, jobs of "automatic" stages spread over idle servers, a stage pinned
to one server, and the server list in Settings."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from tests.fakes.stocked import recorded_object_info
from tests.image.conftest import click, make_scene
from tests.voice_video.conftest import queued

VOICE, IMAGE = 1, 2


def servers_window(make_window, qtbot, main, *others, scene=True):
    window, panel = make_window(
        main,
        scene=make_scene() if scene else None,
        servers=[{"name": name, "url": url} for name, url in others],
    )
    window.servers_monitor.set_interval(200)
    return window, panel


def COLUMNS_OF(table) -> dict[str, int]:
    return {table.horizontalHeaderItem(c).text(): c for c in range(table.columnCount())}


def stages_of(fake) -> list[str]:
    out = []
    for graph in queued(fake):
        classes = {n["class_type"] for n in graph.values()}
        out.append("voice" if any(c.startswith("SaveAudio") for c in classes) else "image")
    return out


def test_segment_and_servers_panel_show_every_server(qtbot, make_window, servers, dead_url):
    a, b = servers(2)
    b.object_info = recorded_object_info("0.25")  # up, but without any model file
    window, _panel = servers_window(
        make_window, qtbot, a.url, ("Second PC", b.url), ("Cloud", dead_url)
    )
    segment = window.status.comfy
    qtbot.waitUntil(lambda: segment.text() == "ComfyUI: 2 of 3 servers up · queue 0", timeout=8000)
    tip = segment.toolTip()
    assert "Cloud: not reachable" in tip and "Second PC: ComfyUI" in tip
    # b answers but lacks the image and video models (the speech nodes fetch their own)
    assert "Second PC: ComfyUI 0.25.0 · cpu" in tip and tip.count("runs voice\n") == 1
    assert "runs image, voice, video" in tip  # a is stocked

    qtbot.mouseClick(segment, Qt.MouseButton.LeftButton)
    from vidgen_desktop.ui.servers.servers_panel import COLUMNS, ServersPanel

    dialog = window.findChild(ServersPanel)
    assert dialog is not None and dialog.isVisible()
    table = dialog.table
    assert table.rowCount() == 3
    rows = {table.item(r, 0).text(): r for r in range(3)}
    col = {name: i for i, name in enumerate(COLUMNS)}
    main_row = rows[a.url.split("://")[1]]
    assert table.item(main_row, col["State"]).text() == "✓ ComfyUI 0.25.0"
    assert [table.item(main_row, col[s]).text() for s in ("Image", "Voice", "Video")] == ["✓"] * 3
    second = rows["Second PC"]
    assert table.item(second, col["Image"]).text() == "✗"
    assert "missing" in table.item(second, col["Image"]).toolTip().lower()
    assert table.item(rows["Cloud"], col["State"]).text() == "✗ not reachable"
    assert dialog.status.text() == "2 of 3 servers up."
    dialog.close()


def test_automatic_jobs_go_to_idle_servers_and_a_pinned_stage_stays(qtbot, make_window, servers):
    a, b = servers(2)
    a.step_delay = 0.4  # the image on a takes a while: b is idle meanwhile
    window, image = servers_window(make_window, qtbot, a.url, ("Second PC", b.url))
    qtbot.waitUntil(lambda: len(window.context.healths) == 2, timeout=8000)
    assert image.picker.server_row.isVisible()
    assert image.picker.server_row.combo.currentText().startswith("Automatic")

    click(qtbot, image.generate_button)
    qtbot.waitUntil(lambda: a.prompts_seen == 1, timeout=8000)
    window.show_stage(VOICE)
    voice = window.panels[VOICE]
    qtbot.waitUntil(lambda: voice.generate_button.isEnabled(), timeout=8000)
    click(qtbot, voice.generate_button)
    qtbot.waitUntil(lambda: not voice.runner.is_running(), timeout=15000)
    qtbot.waitUntil(lambda: not image.runner.is_running(), timeout=15000)
    assert stages_of(a) == ["image"] and stages_of(b) == ["voice"]
    project = window.context.project
    assert project.chosen_take("image").info["server"] == a.url
    assert project.chosen_take("voice").info["server"] == b.url

    # pinned: the image stage now runs on a even though b is the idler one after this
    window.show_stage(IMAGE)
    combo = image.picker.server_row.combo
    combo.setCurrentIndex(combo.findData(b.url))
    combo.activated.emit(combo.currentIndex())
    assert window.context.settings.stage_servers == {"image": b.url}
    a.step_delay = 0.0
    qtbot.waitUntil(lambda: image.generate_button.isEnabled(), timeout=8000)
    click(qtbot, image.generate_button)
    qtbot.waitUntil(lambda: b.prompts_seen == 2 and not image.runner.is_running(), timeout=15000)
    assert stages_of(b) == ["voice", "image"] and stages_of(a) == ["image"]


def test_servers_added_in_settings_warn_about_plain_http_and_show_up(qtbot, make_window, servers):
    (a,) = servers(1)
    window, _panel = servers_window(make_window, qtbot, a.url, scene=False)
    assert not window.panels[IMAGE].picker.server_row.isVisible()  # one server: no choice
    assert window.context.healths == []  # a lone server is the ComfyUI monitor's alone
    qtbot.mouseClick(window.status.comfy, Qt.MouseButton.LeftButton)  # …until its panel opens
    from vidgen_desktop.ui.servers.servers_panel import ServersPanel

    panel = window.findChild(ServersPanel)
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=8000)
    assert panel.table.item(0, 1).text() == "✓ ComfyUI 0.25.0"
    panel.close()
    assert not window.servers_monitor.wanted
    window.open_settings()
    dialog = window.settings_dialog
    assert not dialog.comfy_warning.isVisible()  # the main server is on this machine
    dialog.comfy_url.setText("http://192.0.2.20:8188")
    assert dialog.comfy_warning.isVisible() and "plain http" in dialog.comfy_warning.text()
    dialog.comfy_url.setText(a.url)
    editor = dialog.servers
    click(qtbot, editor.add_button)
    table = editor.table
    table.item(0, 0).setText("Friend's GPU")
    table.item(0, 1).setText("http://192.0.2.10:8188")
    assert editor.notes.isVisible() and "plain http" in editor.notes.text()
    table.item(0, 2).setText("Bearer only")  # not "Name: value"
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled() and "Name: value" in dialog.problem.text()
    table.item(0, 2).setText("Authorization: Bearer abc")
    assert ok.isEnabled(), dialog.problem.text()
    click(qtbot, ok)
    (entry,) = window.context.settings.servers
    assert (entry.name, entry.url, entry.auth_header) == (
        "Friend's GPU",
        "http://192.0.2.10:8188",
        "Authorization: Bearer abc",
    )
    assert window.context.settings.auth_headers(entry.url) == {"Authorization": "Bearer abc"}
    qtbot.waitUntil(lambda: "of 2 servers up" in window.status.comfy.text(), timeout=10000)
    assert window.panels[IMAGE].picker.server_row.isVisible()


def test_an_image_whose_server_dies_is_made_on_the_other_one(qtbot, make_window, servers):
    a, b = servers(2)
    a.steps, a.step_delay = 6, 0.3
    window, image = make_window(
        a.url,
        scene=make_scene(),
        servers=[{"name": "Second PC", "url": b.url}],
        reattach_window_s=1,
    )
    window.servers_monitor.set_interval(200)
    qtbot.waitUntil(lambda: len(window.context.healths) == 2, timeout=8000)
    warnings: list[str] = []
    window.context.notice.connect(lambda level, text: warnings.append(text))
    click(qtbot, image.generate_button)
    qtbot.waitUntil(lambda: a.running is not None, timeout=8000)
    a.stop()  # the PC the image was on goes away mid-job
    qtbot.waitUntil(lambda: not image.runner.is_running(), timeout=20000)
    take = window.context.project.chosen_take("image")
    assert take is not None and take.info["server"] == b.url
    assert a.prompts_seen == 1 and b.prompts_seen == 1
    assert any("Continuing on Second PC" in w for w in warnings), warnings
