"""The Image stage's input widgets: prompts that follow the script until edited, style, size
presets by aspect, quality and seed. Pure widgets: they hold values and say what changed; the
panel decides what to do with them.
"""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.core.errors import InvalidInput
from vidgen_desktop.pipeline.image_sizes import SizePreset
from vidgen_desktop.workflow import SEED_LIMIT

RANDOM, FIXED = "random", "fixed"


def _form(title: str) -> tuple[QGroupBox, QFormLayout]:
    box = QGroupBox(title)
    form = QFormLayout(box)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return box, form


def _text_edit(name: str, placeholder: str, lines: int) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setObjectName(name)
    edit.setPlaceholderText(placeholder)
    edit.setTabChangesFocus(True)
    edit.setMinimumHeight(edit.fontMetrics().lineSpacing() * lines + 12)
    edit.setMaximumHeight(edit.fontMetrics().lineSpacing() * (lines + 4) + 12)
    return edit


class PromptBox(QGroupBox):
    """Positive/negative prompt pre-filled from the scene, in sync with it until the user edits."""

    changed = Signal()

    def __init__(self) -> None:
        super().__init__("What to show")
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form = form
        self.positive = _text_edit(
            "image_positive", "What the picture shows: subject, place, light…", 4
        )
        self.negative = _text_edit("image_negative", "What to avoid: blurry, text, watermark…", 2)
        self.negative_note = QLabel("This workflow has no negative prompt (it samples at cfg 1).")
        self.negative_note.setObjectName("image_negative_note")
        self.negative_note.setWordWrap(True)
        self.negative_note.setStyleSheet("color: palette(placeholder-text);")
        self.negative_note.hide()
        self.sync_label = QLabel()
        self.sync_label.setObjectName("image_sync")
        self.sync_label.setWordWrap(True)
        self.reset_button = QPushButton("Reset to script")
        self.reset_button.setObjectName("image_reset_prompts")
        self.reset_button.clicked.connect(self.reset_to_script)
        row = QHBoxLayout()
        row.addWidget(self.sync_label, 1)
        row.addWidget(self.reset_button)
        form.addRow("Prompt", self.positive)
        form.addRow("Negative", self.negative)
        form.addRow("", self.negative_note)
        form.addRow(row)
        self._script = ("", "")
        self.positive.textChanged.connect(self._on_edit)
        self.negative.textChanged.connect(self._on_edit)
        self._refresh()

    def values(self) -> tuple[str, str]:
        return self.positive.toPlainText().strip(), self.negative.toPlainText().strip()

    def edited(self) -> bool:
        return self.values() != self._script

    def set_script(self, positive: str, negative: str) -> None:
        """The scene changed: follow it unless the user has edited the prompts."""
        following = not self.edited()
        self._script = (positive.strip(), negative.strip())
        if following:
            self._set(*self._script)
        self._refresh()

    def restore(self, positive: str, negative: str) -> None:
        """The user's own text saved with the project."""
        self._set(positive, negative)
        self._refresh()

    def reset_to_script(self) -> None:
        self._set(*self._script)
        self._refresh()
        self.changed.emit()

    def show_negative(self, shown: bool) -> None:
        self.form.setRowVisible(self.negative, shown)
        self.negative_note.setVisible(not shown)

    def _set(self, positive: str, negative: str) -> None:
        for edit, text in ((self.positive, positive), (self.negative, negative)):
            if edit.toPlainText() != text:
                edit.blockSignals(True)
                edit.setPlainText(text)
                edit.blockSignals(False)

    def _on_edit(self) -> None:
        self._refresh()
        self.changed.emit()

    def _refresh(self) -> None:
        if not any(self._script):
            self.sync_label.setText(
                "No script yet: write your own prompt, or generate a script first."
            )
            self.reset_button.setEnabled(False)
            self.reset_button.setToolTip("There is no script to reset to yet.")
        elif self.edited():
            self.sync_label.setText("Edited by you: script changes no longer update these prompts.")
            self.reset_button.setEnabled(True)
            self.reset_button.setToolTip("Replace both prompts with the script's image prompts")
        else:
            self.sync_label.setText("Following the script's image prompts.")
            self.reset_button.setEnabled(False)
            self.reset_button.setToolTip("The prompts already match the script.")


class SettingsBox(QWidget):
    """Style, size preset, steps, CFG and seed; rows the workflow does not bind are hidden."""

    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.style_edit = QLineEdit()
        self.style_edit.setObjectName("image_style")
        self.style_edit.setPlaceholderText("e.g. cinematic light, 35 mm film, muted colours")
        self.style_edit.setToolTip("Added to the end of the prompt for every take")
        style_box, style_form = _form("Style")
        style_form.addRow("Style / instructions", self.style_edit)
        style_help = QLabel("Appended to the prompt.")
        style_help.setStyleSheet("color: palette(placeholder-text);")
        style_form.addRow("", style_help)

        self.aspect = QComboBox()
        self.aspect.setObjectName("image_aspect")
        self.size_label = QLabel()
        self.size_label.setObjectName("image_size")
        self.steps = QSpinBox()
        self.steps.setObjectName("image_steps")
        self.steps.setRange(1, 200)
        self.steps.setSuffix(" steps")
        self.cfg = QDoubleSpinBox()
        self.cfg.setObjectName("image_cfg")
        self.cfg.setRange(0.0, 30.0)
        self.cfg.setSingleStep(0.5)
        self.cfg.setDecimals(1)
        self.cfg.setToolTip("How strictly the image follows the prompt (CFG scale)")
        for narrow, width in ((self.aspect, 240), (self.steps, 160), (self.cfg, 160)):
            narrow.setMaximumWidth(width)  # numbers do not need the full row on wide windows
        self.quality_box, self.quality_form = _form("Size and quality")
        self.quality_form.addRow("Aspect", self.aspect)
        self.quality_form.addRow("Size", self.size_label)
        self.quality_form.addRow("Steps", self.steps)
        self.quality_form.addRow("CFG", self.cfg)

        self.seed_mode = QComboBox()
        self.seed_mode.setObjectName("image_seed_mode")
        self.seed_mode.addItem("Random each time", RANDOM)
        self.seed_mode.addItem("Fixed", FIXED)
        self.seed = QLineEdit()
        self.seed.setObjectName("image_seed")
        self.seed.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,16}")))
        self.seed.setPlaceholderText("a whole number")
        self.last_seed = QLabel("No take generated yet.")
        self.last_seed.setObjectName("image_last_seed")
        self.last_seed.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.seed_box, seed_form = _form("Seed")
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed_mode)
        seed_row.addWidget(self.seed, 1)
        seed_form.addRow("Seed", seed_row)
        seed_form.addRow("Last used", self.last_seed)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for box in (style_box, self.quality_box, self.seed_box):
            layout.addWidget(box)
        self._presets: list[SizePreset] = []
        self.aspect.currentIndexChanged.connect(self._on_aspect)
        self.seed_mode.currentIndexChanged.connect(self._on_seed_mode)
        for signal in (
            self.style_edit.textChanged,
            self.steps.valueChanged,
            self.cfg.valueChanged,
            self.seed.textChanged,
        ):
            signal.connect(self.changed)
        self._on_seed_mode()

    # -- presets -----------------------------------------------------------------------------
    def set_presets(self, presets: list[SizePreset], wanted_aspect: str) -> None:
        self._presets = presets
        self.aspect.blockSignals(True)
        self.aspect.clear()
        for p in presets:
            self.aspect.addItem(p.aspect, p.aspect)
            self.aspect.setItemData(
                self.aspect.count() - 1,
                f"{p.width} × {p.height} px ({p.megapixels:.1f} MP)",
                Qt.ItemDataRole.ToolTipRole,
            )
        index = self.aspect.findData(wanted_aspect)
        self.aspect.setCurrentIndex(max(index, 0))
        self.aspect.blockSignals(False)
        self._on_aspect()

    def preset(self) -> SizePreset | None:
        i = self.aspect.currentIndex()
        return self._presets[i] if 0 <= i < len(self._presets) else None

    def _on_aspect(self) -> None:
        p = self.preset()
        self.size_label.setText(f"{p.width} × {p.height} px ({p.megapixels:.1f} MP)" if p else "—")
        self.changed.emit()

    # -- what the workflow binds ----------------------------------------------------------------
    def show_params(self, params: set[str]) -> None:
        form = self.quality_form
        sized = {"width", "height"} <= params
        form.setRowVisible(self.aspect, sized)
        form.setRowVisible(self.size_label, sized)
        form.setRowVisible(self.steps, "steps" in params)
        form.setRowVisible(self.cfg, "cfg" in params)
        self.quality_box.setVisible(sized or bool({"steps", "cfg"} & params))
        self.seed_box.setVisible("seed" in params)

    # -- seed --------------------------------------------------------------------------------
    def seed_value(self) -> int | None:
        """None = a new random seed; raises InvalidInput for an unusable fixed seed."""
        if self.seed_mode.currentData() != FIXED:
            return None
        text = self.seed.text().strip()
        if not text:
            raise InvalidInput("Enter a seed number, or switch the seed to “Random each time”.")
        value = int(text)
        if value >= SEED_LIMIT:
            raise InvalidInput(f"The seed must be below {SEED_LIMIT}.")
        return value

    def use_seed(self, seed: int) -> None:
        self.seed_mode.setCurrentIndex(self.seed_mode.findData(FIXED))
        self.seed.setText(str(seed))

    def _on_seed_mode(self) -> None:
        fixed = self.seed_mode.currentData() == FIXED
        self.seed.setEnabled(fixed)
        self.seed.setToolTip(
            "The same seed with the same settings gives the same picture"
            if fixed
            else "Switch to “Fixed” to type a seed; random picks a new one per take"
        )
        self.changed.emit()
