"""An editable list of short tags: add with Enter, edit in place (double-click), remove selected."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class TagListEditor(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setObjectName("tag_list")
        self.list.setFlow(QListView.Flow.LeftToRight)
        self.list.setWrapping(True)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setSpacing(3)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.list.setMaximumHeight(64)
        self.list.setToolTip("Double-click a tag to edit it; Delete removes the selected tags.")
        self.entry = QLineEdit()
        self.entry.setObjectName("tag_entry")
        self.entry.setPlaceholderText("New tag(s), comma-separated")
        self.entry.setToolTip("Type a tag, or several separated by commas, and press Enter")
        self.add_button = QPushButton("Add")
        self.add_button.setObjectName("tag_add")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setObjectName("tag_remove")
        self.remove_button.setEnabled(False)
        self.remove_button.setToolTip("Remove the selected tags (select one or more first)")
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.entry, 1)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.list)
        layout.addLayout(row)
        self.entry.returnPressed.connect(self.add_from_entry)
        self.add_button.clicked.connect(self.add_from_entry)
        self.remove_button.clicked.connect(self.remove_selected)
        self.list.itemSelectionChanged.connect(self._on_selection)
        self.list.itemChanged.connect(self._on_item_changed)

    def tags(self) -> list[str]:
        out = []
        for i in range(self.list.count()):
            text = self.list.item(i).text().strip()
            if text:
                out.append(text)
        return out

    def set_tags(self, tags: list[str]) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for tag in tags:
            self._append(tag)
        self.list.blockSignals(False)
        self._on_selection()

    def _append(self, tag: str) -> None:
        item = QListWidgetItem(tag)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        self.list.addItem(item)

    def add_from_entry(self) -> None:
        new = [t.strip() for t in self.entry.text().split(",") if t.strip()]
        if not new:
            return
        existing = set(self.tags())
        for tag in new:
            if tag not in existing:
                self._append(tag)
                existing.add(tag)
        self.entry.clear()
        self.changed.emit()

    def remove_selected(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))
        self.changed.emit()

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.list.hasFocus():
            self.remove_selected()
            return
        super().keyPressEvent(event)

    def _on_selection(self) -> None:
        has = bool(self.list.selectedItems())
        self.remove_button.setEnabled(has)
        self.remove_button.setToolTip(
            "Remove the selected tags" if has else "Select one or more tags first"
        )

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        if not item.text().strip():
            self.list.takeItem(self.list.row(item))
        self.changed.emit()
