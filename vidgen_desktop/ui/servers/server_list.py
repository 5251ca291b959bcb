"""The list of further ComfyUI servers in Settings: one row per server (name, address, on/off,
an optional header for a server behind a reverse proxy). Warnings (plain http to another
machine, a header that is not "Name: value") show under the table as the user types."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.core.settings import ServerEntry, parse_header
from vidgen_desktop.gpu.machines import insecure_warning

COLUMNS = ("Name", "Address", "Proxy header")
PROBLEM_STYLE = "color: #c62828;"
WARNING_STYLE = "color: #b26a00;"


class ServerListEditor(QWidget):
    changed = Signal()

    def __init__(self, entries: list[ServerEntry], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("servers_table")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        self.table.setMinimumHeight(110)
        self.table.setToolTip(
            "More PCs running ComfyUI. Untick a server to keep it in the list without sending it"
            " work.\nProxy header: e.g. “Authorization: Bearer …” for a server behind a reverse"
            " proxy."
        )
        self.add_button = QPushButton("Add server")
        self.add_button.setObjectName("servers_add")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setObjectName("servers_remove")
        self.remove_button.setEnabled(False)
        self.remove_button.setToolTip("Select a server in the list to remove it")
        self.add_button.clicked.connect(self.add_row)
        self.remove_button.clicked.connect(self._remove_selected)
        self.table.itemSelectionChanged.connect(
            lambda: self.remove_button.setEnabled(bool(self.table.selectedItems()))
        )
        self.table.itemChanged.connect(lambda _item: self._changed())
        self.notes = QLabel()
        self.notes.setObjectName("servers_notes")
        self.notes.setWordWrap(True)
        self.notes.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(self.notes)
        for entry in entries:
            self.add_row(entry)

    def add_row(self, entry: ServerEntry | None = None) -> None:
        entry = entry or ServerEntry(url="http://")
        row = self.table.rowCount()
        self.table.blockSignals(True)
        self.table.insertRow(row)
        name = QTableWidgetItem(entry.name)
        name.setFlags(name.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        name.setCheckState(Qt.CheckState.Checked if entry.enabled else Qt.CheckState.Unchecked)
        name.setToolTip("Ticked: this server gets work")
        self.table.setItem(row, 0, name)
        self.table.setItem(row, 1, QTableWidgetItem(entry.url))
        self.table.setItem(row, 2, QTableWidgetItem(entry.auth_header))
        self.table.blockSignals(False)
        if not entry.url or entry.url == "http://":
            self.table.setCurrentCell(row, 1)
            address = self.table.item(row, 1)
            if address is not None:
                self.table.editItem(address)
        self._changed()

    def _remove_selected(self) -> None:
        for row in sorted({i.row() for i in self.table.selectedItems()}, reverse=True):
            self.table.removeRow(row)
        self._changed()

    def entries(self) -> list[ServerEntry]:
        out = []
        for row in range(self.table.rowCount()):
            name, url, header = (self.table.item(row, c) for c in range(3))
            address = (url.text() if url else "").strip().rstrip("/")
            if not address:
                continue
            out.append(
                ServerEntry(
                    name=(name.text() if name else "").strip(),
                    url=address,
                    enabled=name is None or name.checkState() == Qt.CheckState.Checked,
                    auth_header=(header.text() if header else "").strip(),
                )
            )
        return out

    def problems(self, url_problem) -> list[str]:
        """What keeps Settings from saving (a bad address or header), one sentence each."""
        out = []
        for entry in self.entries():
            why = url_problem(entry.url)
            if why:
                out.append(f"Server {entry.label()}: the address {why}.")
            if entry.auth_header and not parse_header(entry.auth_header):
                out.append(f"Server {entry.label()}: the proxy header must read “Name: value”.")
        return out

    def _changed(self) -> None:
        warnings = [w for e in self.entries() if e.enabled if (w := insecure_warning(e.url))]
        self.notes.setText("⚠ " + "\n⚠ ".join(dict.fromkeys(warnings)) if warnings else "")
        self.notes.setStyleSheet(WARNING_STYLE)
        self.notes.setVisible(bool(warnings))
        self.changed.emit()
