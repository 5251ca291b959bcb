"""Help > About: what is installed, what it talks to, and where its files are.

Why: the first questions on any bug report are "which version?" and "send me the log". This dialog
answers both in one place, with a Copy button for the whole text. Server versions arrive through a
callable so the dialog never reaches into clients or widgets itself.
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop import APP_NAME, __version__
from vidgen_desktop.paths import UserPaths
from vidgen_desktop.ui.app_icon import app_icon
from vidgen_desktop.ui.widgets.reveal import reveal

ServerVersions = Callable[[], Mapping[str, str]]


def version_rows(server_versions: Mapping[str, str]) -> list[tuple[str, str]]:
    build = "installed build" if getattr(sys, "frozen", False) else "from source"
    rows = [
        (APP_NAME, f"{__version__} ({build})"),
        ("Qt", qVersion()),
        ("PySide6", PySide6.__version__),
        ("Python", f"{platform.python_version()} on {platform.system()} {platform.machine()}"),
    ]
    if server_versions:
        rows += [(name, version) for name, version in server_versions.items()]
    else:
        rows.append(("Servers", "not connected yet"))
    return rows


def folder_rows(paths: UserPaths) -> list[tuple[str, Path]]:
    return [
        ("Log file", paths.log_file),
        ("Projects", paths.projects_dir),
        ("Settings", paths.config_dir),
        ("App data", paths.data_dir),
        ("Cache", paths.cache_dir),
    ]


class AboutDialog(QDialog):
    def __init__(
        self,
        paths: UserPaths,
        server_versions: ServerVersions | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("about_dialog")
        self.setWindowTitle(f"About {APP_NAME}")
        self.setMinimumWidth(560)
        self.paths = paths
        servers = dict(server_versions()) if server_versions else {}
        self._versions = version_rows(servers)
        self._folders = folder_rows(paths)

        header = QHBoxLayout()
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(64, 64))
        title = QLabel(
            f"<b style='font-size:16pt'>{APP_NAME}</b><br>Version {__version__}<br>"
            "Topic to narrated talking-avatar video, on your own GPU."
        )
        title.setObjectName("about_title")
        header.addWidget(logo)
        header.addWidget(title, 1)

        versions_box = QGroupBox("Versions")
        form = QFormLayout(versions_box)
        self.version_labels: dict[str, QLabel] = {}
        for name, value in self._versions:
            label = self._selectable(value)
            self.version_labels[name] = label
            form.addRow(f"{name}:", label)

        folders_box = QGroupBox("Your files (never inside the install folder)")
        folder_form = QFormLayout(folders_box)
        self.folder_labels: dict[str, QLabel] = {}
        self.open_buttons: dict[str, QPushButton] = {}
        for name, path in self._folders:
            row = QHBoxLayout()
            label = self._selectable(str(path))
            button = QPushButton("Open")
            button.setToolTip(f"Open {path} in the file manager")
            button.clicked.connect(lambda _=False, p=path: self.open_path(p))
            row.addWidget(label, 1)
            row.addWidget(button)
            self.folder_labels[name] = label
            self.open_buttons[name] = button
            folder_form.addRow(f"{name}:", row)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = buttons.addButton("Copy details", QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.setToolTip("Copy versions and folders, e.g. for a bug report")
        self.copy_button.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setDefault(True)
        close.setFocus()

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(versions_box)
        layout.addWidget(folders_box)
        layout.addWidget(buttons)

    @staticmethod
    def _selectable(text: str) -> QLabel:
        label = QLabel(text)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setWordWrap(True)
        return label

    def details_text(self) -> str:
        lines = [f"{name}: {value}" for name, value in self._versions]
        lines += [f"{name}: {path}" for name, path in self._folders]
        return "\n".join(lines)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details_text())

    def open_path(self, path: Path) -> None:
        self.path_dialog = reveal(path, path.name, self)
