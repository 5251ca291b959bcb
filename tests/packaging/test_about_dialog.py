"""Help > About: versions from the one source, server versions, the log file and its Open button."""

from __future__ import annotations

import PySide6
import pytest
from PySide6.QtCore import QObject, Qt, QUrl, Slot, qVersion
from PySide6.QtGui import QDesktopServices, QGuiApplication

from vidgen_desktop import __version__
from vidgen_desktop.app import build_panels
from vidgen_desktop.core.settings import load_settings
from vidgen_desktop.paths import user_paths
from vidgen_desktop.ui.about_dialog import AboutDialog
from vidgen_desktop.ui.context import AppContext
from vidgen_desktop.ui.main_window import MainWindow


class UrlCatcher(QObject):
    """Receives file:// URLs instead of the desktop's file manager (Qt's own URL-handler hook)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


@pytest.fixture
def url_catcher():
    catcher = UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")
    yield catcher
    QDesktopServices.unsetUrlHandler("file")


@pytest.fixture
def paths():
    return user_paths().ensure()


@pytest.fixture
def window(qtbot, paths):
    context = AppContext(paths, load_settings(paths.settings_file))
    win = MainWindow(context, build_panels(context))
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()
    context.close()


def test_about_from_the_help_menu_shows_versions_and_log_path(qtbot, window, paths):
    window.about_action.trigger()
    dialog = window.about_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    assert dialog.windowTitle() == "About VidGen Desktop"
    labels = dialog.version_labels
    assert labels["VidGen Desktop"].text().startswith(__version__)
    assert __version__ != "0.0.0+source", "package metadata missing: version not from pyproject"
    assert labels["Qt"].text() == qVersion()
    assert labels["PySide6"].text() == PySide6.__version__
    assert dialog.folder_labels["Log file"].text() == str(paths.log_file)
    assert dialog.folder_labels["Projects"].text() == str(paths.projects_dir)
    assert window.help_menu.actions()[-1] is window.about_action


def test_about_shows_server_versions_from_the_status_bar(qtbot, window):
    window.status.ollama.set_state("Ollama 0.12.3", "Ollama 0.12.3 at http://127.0.0.1:11434")
    window.status.comfy.set_state("ComfyUI: checking…")
    window.show_about()
    labels = window.about_dialog.version_labels
    assert labels["Ollama"].text() == "Ollama 0.12.3 at http://127.0.0.1:11434"
    assert "ComfyUI" not in labels, "a server still being checked has no version to show"


def test_about_prefers_versions_published_on_the_context(qtbot, window):
    window.context.server_versions = {"Ollama": "0.12.3", "ComfyUI": "0.3.64"}
    window.show_about()
    labels = window.about_dialog.version_labels
    assert labels["Ollama"].text() == "0.12.3"
    assert labels["ComfyUI"].text() == "0.3.64"


def test_about_without_servers_says_so(qtbot, paths):
    dialog = AboutDialog(paths, lambda: {})
    qtbot.addWidget(dialog)
    assert dialog.version_labels["Servers"].text() == "not connected yet"


def test_open_buttons_open_the_log_file_and_folders(qtbot, paths, url_catcher):
    dialog = AboutDialog(paths, None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.open_buttons["Log file"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.open_buttons["Settings"], Qt.MouseButton.LeftButton)
    assert [u.toLocalFile() for u in url_catcher.urls] == [
        str(paths.log_file),
        str(paths.config_dir),
    ]


def test_copy_details_puts_versions_and_folders_on_the_clipboard(qtbot, paths):
    dialog = AboutDialog(paths, lambda: {"ComfyUI": "0.3.64"})
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    text = QGuiApplication.clipboard().text()
    assert f"VidGen Desktop: {__version__}" in text
    assert f"PySide6: {PySide6.__version__}" in text
    assert "ComfyUI: 0.3.64" in text
    assert f"Log file: {paths.log_file}" in text


def test_default_user_folders_are_outside_the_install_folder(tmp_path, monkeypatch):
    """Without VIDGEN_HOME the per-user OS locations are used, never the app's own folder."""
    from vidgen_desktop.resources import app_root

    monkeypatch.delenv("VIDGEN_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    defaults = user_paths()
    install = app_root().resolve()
    for folder in (defaults.config_dir, defaults.data_dir, defaults.log_dir, defaults.projects_dir):
        assert folder.is_relative_to(tmp_path), folder
        assert not folder.is_relative_to(install), folder
