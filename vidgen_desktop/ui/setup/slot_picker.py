"""A picker for one model slot of a workflow: the files of that ComfyUI folder, each with what it
really is (family, variant, precision, weights, size), those that fit first; a file that does
not fit says why. The choice is bound into the graph for every later job and remembered per
workflow and server."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QWidget

from vidgen_desktop.modelfiles.catalog import Catalog
from vidgen_desktop.modelfiles.identity import ModelIdentity
from vidgen_desktop.modelfiles.slots import Slot, fit


class SlotPicker(QWidget):
    #: (slot key, chosen file; "" = the workflow's own)
    chosen = Signal(str, str)

    def __init__(
        self, slot: Slot, default_file: str, catalog: Catalog, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.slot, self.default_file = slot, default_file
        self.combo = QComboBox()
        self.combo.setObjectName(f"slot_{slot.node}_{slot.input}")
        self.combo.setMinimumContentsLength(28)
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.about = QLabel()
        self.about.setObjectName("slot_about")
        self.about.setWordWrap(True)
        label = QLabel(f"{slot.input} <span style='color:#666'>({slot.expects()})</span>")
        layout = QGridLayout(self)
        layout.setContentsMargins(12, 0, 0, 0)
        layout.addWidget(label, 0, 0)
        layout.addWidget(self.combo, 0, 1)
        layout.addWidget(self.about, 1, 0, 1, 2)
        layout.setColumnStretch(1, 1)
        self.identities: dict[str, ModelIdentity | None] = {}
        self._fill(catalog)
        self.combo.currentIndexChanged.connect(self._changed)

    def _fill(self, catalog: Catalog) -> None:
        files = catalog.in_folder(self.slot.folder)
        verdicts = {f.file: fit(f, self.slot) for f in files}
        ordered = sorted(files, key=lambda f: (verdicts[f.file].ok is not True, f.file.lower()))
        names = [f.file for f in ordered]
        if self.slot.file not in names:
            names.insert(0, self.slot.file)  # missing: still shown, so the choice is visible
        self.combo.blockSignals(True)
        for name in names:
            ident = next((f for f in files if f.file == name), None)
            self.identities[name] = ident
            verdict = verdicts.get(name)
            mark = "" if verdict is None or verdict.ok is not False else "  ⚠ does not fit"
            text = name + ("  (missing)" if ident is None else mark)
            self.combo.addItem(text, name)
            row = self.combo.count() - 1
            tip = ident.describe() if ident else "Not on the server."
            if verdict is not None and verdict.ok is False:
                tip += f"\n{verdict.reason}"
            self.combo.setItemData(row, tip, Qt.ItemDataRole.ToolTipRole)
        self.combo.setCurrentIndex(max(0, names.index(self.slot.file)))
        self.combo.blockSignals(False)
        self._describe()

    def current_file(self) -> str:
        return str(self.combo.currentData())

    def _describe(self) -> None:
        name = self.current_file()
        ident = self.identities.get(name)
        if ident is None:
            self.about.setText("<span style='color:#c62828'>Not on the ComfyUI server.</span>")
            return
        verdict = fit(ident, self.slot)
        text = ident.describe()
        if verdict.ok is False:
            fitting = [n for n, i in self.identities.items() if i and fit(i, self.slot).ok]
            offer = f" Files here that fit: {', '.join(fitting)}." if fitting else ""
            text = f"<span style='color:#c62828'>⚠ {verdict.reason}{offer}</span><br>{text}"
        self.about.setText(text)

    def _changed(self) -> None:
        self._describe()
        name = self.current_file()
        self.chosen.emit(self.slot.key, "" if name == self.default_file else name)
