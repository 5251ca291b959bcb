"""The takes strip: choose a take, see its details, import by button or by dropping files."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QApplication

from vidgen_desktop.core.project import Take
from vidgen_desktop.ui.widgets.takes_strip import TakesStrip


def _strip(keep, kind: str) -> TakesStrip:
    s = TakesStrip(kind)
    keep(s)
    s.resize(700, 160)
    s.show()
    return s


def _image_takes(root) -> list[Take]:
    takes = []
    for i, colour in enumerate(("red", "green", "blue")):
        img = QImage(640, 360, QImage.Format.Format_RGB32)
        img.fill(QColor(colour))
        rel = f"image/take{i}.png"
        (root / "image").mkdir(exist_ok=True)
        img.save(str(root / rel))
        takes.append(
            Take(
                stage="image",
                file=rel,
                kind="image",
                seed=100 + i,
                width=640,
                height=360,
                settings={"steps": 20, "cfg": 6.5},
            )
        )
    return takes


def test_empty_strip_explains_itself(qtbot, keep):
    s = _strip(keep, "audio")
    assert s.empty.isVisible() and not s.list.isVisible()
    assert "Generate speech, import a file, or drop one here" in s.empty.text()


def test_choose_a_take_marks_it_and_emits(qtbot, keep, tmp_path):
    takes = _image_takes(tmp_path)
    s = _strip(keep, "image")
    s.set_takes(takes, takes[0].id, tmp_path)
    assert s.title.text() == "Takes (3)"
    assert s.item_for(takes[0].id).text().startswith("✓ #1")
    assert "Seed: 101" in s.item_for(takes[1].id).toolTip()
    assert "steps: 20" in s.item_for(takes[1].id).toolTip()
    rect = s.list.visualItemRect(s.item_for(takes[1].id))
    with qtbot.waitSignal(s.chosen) as blocker:
        qtbot.mouseClick(s.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == [takes[1].id]
    assert s.chosen_id() == takes[1].id
    assert s.item_for(takes[1].id).text().startswith("✓ #2")
    assert not s.item_for(takes[0].id).text().startswith("✓")


def test_image_thumbnails_are_loaded_off_the_gui_thread(qtbot, keep, tmp_path):
    takes = _image_takes(tmp_path)
    s = _strip(keep, "image")
    with qtbot.waitSignal(s._thumbs.done, timeout=5000):
        s.set_takes(takes, None, tmp_path)
    pix = s.item_for(takes[2].id).icon().pixmap(112, 72)
    centre = pix.toImage().pixelColor(pix.width() // 2, pix.height() // 2)
    assert centre.blue() > 200 and centre.red() < 50


def test_audio_takes_show_duration_and_only_their_kind(qtbot, keep, tmp_path):
    takes = [
        Take(stage="voice", file="voice/a.wav", kind="audio", duration_s=7.4, seed=5),
        Take(stage="voice", file="voice/b.flac", kind="audio", duration_s=65.0, source="imported"),
        Take(stage="image", file="image/x.png", kind="image"),
    ]
    s = _strip(keep, "audio")
    s.set_takes(takes, None, tmp_path)
    assert s.list.count() == 2
    assert s.item_for(takes[0].id).text() == "#1 · 0:07"
    assert s.item_for(takes[1].id).text() == "#2 · 1:05 · imported"
    assert "Duration: 0:07 (7.4 s)" in s.item_for(takes[0].id).toolTip()


def test_import_button_requests_an_import(qtbot, keep):
    s = _strip(keep, "video")
    with qtbot.waitSignal(s.import_requested):
        qtbot.mouseClick(s.import_button, Qt.MouseButton.LeftButton)


def _mime(*paths) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Qt 6.12 marks the QPoint ctor; no other
def test_drop_accepts_files_of_its_kind_only(qtbot, keep, tmp_path):
    s = _strip(keep, "audio")
    wav, png = tmp_path / "mine.wav", tmp_path / "face.png"
    actions = Qt.DropAction.CopyAction
    # events keep a raw pointer to their QMimeData: hold the Python objects for the whole test
    only_png, both = _mime(png), _mime(wav, png)
    wrong = QDragEnterEvent(
        QPoint(10, 10), actions, only_png, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(s, wrong)
    assert not wrong.isAccepted()
    right = QDragEnterEvent(
        QPoint(10, 10), actions, both, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(s, right)
    assert right.isAccepted()
    drop = QDropEvent(
        QPointF(10, 10), actions, both, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    with qtbot.waitSignal(s.files_dropped) as blocker:
        QApplication.sendEvent(s, drop)
    assert blocker.args == [[str(wav)]]
