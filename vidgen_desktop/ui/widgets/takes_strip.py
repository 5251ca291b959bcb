"""A horizontal strip of a stage's takes: pick one (it is marked), see its seed/settings/duration in
the tooltip, import your own (button or drag-and-drop of files of this stage's kind).

Generic over kinds: image takes show thumbnails scaled in a worker (QImage is safe off the GUI
thread, QPixmap is not); audio and video takes show an icon and their duration.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import (
    QDragEnterEvent,
    QDropEvent,
    QFont,
    QFontMetrics,
    QIcon,
    QImage,
    QImageReader,
    QPixmap,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.core.media_info import media_kind
from vidgen_desktop.core.progress import format_duration
from vidgen_desktop.core.project import Project, Take
from vidgen_desktop.workers.runner import TaskRunner

log = logging.getLogger(__name__)

THUMB = QSize(112, 72)
TAKE_ID_ROLE = Qt.ItemDataRole.UserRole


def load_thumbnails(paths: dict[str, Path], size: QSize) -> dict[str, QImage]:
    """Worker side: decode and scale each image; unreadable files are skipped (icon stays)."""
    out: dict[str, QImage] = {}
    for take_id, path in paths.items():
        reader = QImageReader(str(path))
        reader.setAutoTransform(True)
        original = reader.size()
        if original.isValid():
            reader.setScaledSize(original.scaled(size, Qt.AspectRatioMode.KeepAspectRatio))
        img = reader.read()
        if img.isNull():
            log.debug("no thumbnail for %s: %s", path, reader.errorString())
            continue
        out[take_id] = img
    return out


def take_summary(project: Project | None, take: Take, stage: str) -> str:
    """ "take #2 · portrait.png · 0:05": which take a later stage will use."""
    number = (
        next((i for i, t in enumerate(project.takes_for(stage), 1) if t.id == take.id), 0)
        if project
        else 0
    )
    parts = [f"take #{number}", Path(take.file).name]
    if take.duration_s:
        parts.append(format_duration(take.duration_s))
    if take.draft:
        parts.append("draft")
    return " · ".join(parts)


def take_tooltip(take: Take, number: int) -> str:
    lines = [f"Take {number} ({take.source})", f"File: {take.file}"]
    if take.draft:
        lines[0] = f"Take {number}: a DRAFT ({take.settings.get('draft', 'a cheap preview')})"
    if take.duration_s is not None:
        lines.append(f"Duration: {format_duration(take.duration_s)} ({take.duration_s:.1f} s)")
    if take.width and take.height:
        lines.append(f"Size: {take.width}×{take.height} px")
    if take.seed is not None:
        lines.append(f"Seed: {take.seed}")
    if take.workflow:
        lines.append(f"Workflow: {take.workflow}")
    for key, value in list(take.settings.items())[:12]:
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        lines.append(f"{key}: {text[:80]}")
    lines.append(f"Created: {take.created}")
    return "\n".join(lines)


class TakesStrip(QWidget):
    """Public API for stage panels: set_takes(takes, chosen_id, root), set_chosen(take_id),
    chosen_id(); signals chosen(str take_id), import_requested(), files_dropped(list[str])."""

    chosen = Signal(str)
    import_requested = Signal()
    files_dropped = Signal(list)

    def __init__(self, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind  # "image" | "audio" | "video"
        self.setObjectName(f"takes_{kind}")
        self.setAcceptDrops(True)
        self._takes: list[Take] = []
        self._chosen: str | None = None
        self._root: Path | None = None
        self._missing: set[str] = set()
        self._thumbs = TaskRunner(f"thumbnails-{kind}", self)
        self._thumbs.succeeded.connect(self._on_thumbnails)
        self._thumbs.done.connect(self._start_thumbnails)
        self._thumbs_wanted: dict[str, Path] = {}
        self._closed = False

        self.title = QLabel("Takes")
        self.title.setObjectName("takes_title")
        self.list = QListWidget()
        self.list.setObjectName("takes_list")
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setFlow(QListView.Flow.LeftToRight)
        self.list.setWrapping(False)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setIconSize(THUMB)
        # labels may take two lines ("✓ #12 · 1:23:45 · imported"), never get cut mid-word
        self.list.setWordWrap(True)
        line = QFontMetrics(self.list.font()).lineSpacing()
        self.list.setGridSize(QSize(THUMB.width() + 24, THUMB.height() + 24 + 2 * line))
        self.list.setFixedHeight(THUMB.height() + 46 + 2 * line)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.list.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setAccessibleName("Takes")
        self.empty = QLabel(self._empty_text())
        self.empty.setObjectName("takes_empty")
        self.empty.setWordWrap(True)
        self.import_button = QPushButton("Import…")
        self.import_button.setObjectName("takes_import")
        self.import_button.setToolTip(f"Add your own {kind} file as a take (or drop it here)")

        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.list)
        layout.addWidget(self.empty)

        # compact: a strip under the preview, never stretched to fill the pane
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.import_button.clicked.connect(self.import_requested)
        self.list.itemClicked.connect(self._on_item_clicked)
        self.list.itemActivated.connect(self._on_item_clicked)
        self._refresh_empty()

    def _empty_text(self) -> str:
        verb = {"audio": "Generate speech", "video": "Generate a video"}.get(self.kind, "Generate")
        return f"No takes yet. {verb}, import a file, or drop one here."

    # ---- public API -------------------------------------------------------------------------------

    def set_takes(
        self,
        takes: Sequence[Take],
        chosen_id: str | None,
        root: Path,
        missing: set[str] | None = None,
    ) -> None:
        """`missing`: ids of takes whose files are gone; shown as such, with their path."""
        self._missing = set(missing or ())
        self._takes = [t for t in takes if t.kind == self.kind]
        self._root = Path(root)
        self._chosen = chosen_id
        self.list.clear()
        style = self.style()
        icon = {
            "audio": style.standardIcon(QStyle.StandardPixmap.SP_MediaVolume),
            "video": style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay),
        }.get(self.kind, style.standardIcon(QStyle.StandardPixmap.SP_FileIcon))
        wanted: dict[str, Path] = {}
        gone = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        for take in self._takes:
            item = QListWidgetItem(gone if take.id in self._missing else icon, "")
            item.setData(TAKE_ID_ROLE, take.id)
            item.setSizeHint(self.list.gridSize())
            self.list.addItem(item)
            if self.kind == "image" and take.id not in self._missing:
                wanted[take.id] = self._root / take.file
        self._mark()
        self._refresh_empty()
        self._thumbs_wanted = wanted
        self._start_thumbnails()

    def set_chosen(self, take_id: str | None) -> None:
        self._chosen = take_id
        self._mark()

    def chosen_id(self) -> str | None:
        return self._chosen

    def item_for(self, take_id: str) -> QListWidgetItem | None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(TAKE_ID_ROLE) == take_id:
                return item
        return None

    def shutdown(self) -> None:
        """Stop for good (the owner is closing): no new thumbnail work starts after this."""
        self._closed = True
        self._thumbs_wanted = {}
        self._thumbs.shutdown()

    # ---- internals --------------------------------------------------------------------------------

    def _label(self, n: int, take: Take) -> str:
        parts = [f"#{n}"]
        if take.duration_s is not None and self.kind in ("audio", "video"):
            parts.append(format_duration(take.duration_s))
        if take.source == "imported":
            parts.append("imported")
        if take.draft:
            parts.append("DRAFT")
        if take.id in getattr(self, "_missing", ()):
            parts.append("missing")
        text = " · ".join(parts)
        return f"✓ {text}" if take.id == self._chosen else text

    def _mark(self) -> None:
        items = {
            self.list.item(i).data(TAKE_ID_ROLE): self.list.item(i)
            for i in range(self.list.count())
        }
        plain, bold = QFont(self.list.font()), QFont(self.list.font())
        bold.setBold(True)
        metrics = {False: QFontMetrics(plain), True: QFontMetrics(bold)}
        # two lines of the cell's width; anything longer is elided by us (Qt would cut it
        # mid-word), and the tooltip's first line always has all of it
        room = 2 * (self.list.gridSize().width() - 12)
        for n, take in enumerate(self._takes, start=1):
            item = items.get(take.id)
            if item is None:
                continue
            is_chosen = take.id == self._chosen
            label = self._label(n, take)
            item.setFont(bold if is_chosen else plain)
            item.setText(metrics[is_chosen].elidedText(label, Qt.TextElideMode.ElideRight, room))
            tip = f"{label}\n{take_tooltip(take, n)}"
            if take.id in self._missing:
                tip = f"The file is missing: {self._root / take.file if self._root else take.file}\n{tip}"
            item.setToolTip(tip + "\n(chosen for the next stage)" if is_chosen else tip)
            item.setSelected(is_chosen)
            if is_chosen:
                self.list.setCurrentItem(item)

    def _refresh_empty(self) -> None:
        has = bool(self._takes)
        self.list.setVisible(has)
        self.empty.setVisible(not has)
        self.title.setText(f"Takes ({len(self._takes)})" if has else "Takes")

    @Slot(QListWidgetItem)
    def _on_item_clicked(self, item: QListWidgetItem) -> None:
        take_id = item.data(TAKE_ID_ROLE)
        if take_id and take_id != self._chosen:
            self.set_chosen(take_id)
            self.chosen.emit(take_id)

    @Slot()
    def _start_thumbnails(self) -> None:
        if self._closed or not self._thumbs_wanted or self._thumbs.is_running():
            return
        batch, self._thumbs_wanted = self._thumbs_wanted, {}
        self._thumbs.start(lambda report, token: load_thumbnails(batch, THUMB))

    @Slot(object)
    def _on_thumbnails(self, images: dict[str, QImage]) -> None:
        for take_id, img in images.items():
            item = self.item_for(take_id)
            if item is not None:
                item.setIcon(QIcon(QPixmap.fromImage(img)))

    # ---- drag and drop ----------------------------------------------------------------------------

    def _accepted_files(self, event: QDragEnterEvent | QDropEvent) -> list[str]:
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        files = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
        return [f for f in files if media_kind(Path(f)) == self.kind]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._accepted_files(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = self._accepted_files(event)
        if files:
            event.acceptProposedAction()
            self.files_dropped.emit(files)
        else:
            event.ignore()
