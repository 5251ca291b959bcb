"""The application icon, built from every PNG size shipped in resources/icons/.

Why all sizes: Qt picks the closest one for the title bar, task bar and Alt-Tab switcher, so
small sizes stay crisp instead of being scaled down from 512 px.
"""

from __future__ import annotations

from PySide6.QtGui import QIcon

from vidgen_desktop.resources import resource


def app_icon() -> QIcon:
    icon = QIcon()
    folder = resource("icons")
    for png in sorted(folder.glob("vidgen-*.png")) if folder.is_dir() else []:
        icon.addFile(str(png))
    return icon
