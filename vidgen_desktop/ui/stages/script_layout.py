"""Widgets and layout of the Script panel, kept apart from its behaviour (script_panel.py).

Left: model and parameters, topic, Generate/Stop with the reason Generate is disabled, the live
reply, counters, and the parse-problem box. Right: the editable scene and Next. This base class
only builds and places widgets; ScriptPanel connects them to what they do.
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.core.settings import SUGGESTED_MODEL, LlmSettings
from vidgen_desktop.ui.stage_panel import StagePanel
from vidgen_desktop.ui.stages.script_fields import SceneEditor
from vidgen_desktop.ui.widgets.error_banner import ErrorBanner
from vidgen_desktop.ui.widgets.scroll_column import ScrollColumn

W = TypeVar("W", bound=QWidget)
EMPTY_MODELS_TEXT = f"No model pulled yet: run `ollama pull {SUGGESTED_MODEL}`, then Refresh."


def named(widget: W, name: str) -> W:
    widget.setObjectName(name)
    return widget


class ScriptPanelLayout(StagePanel):
    """The Script panel's widgets, typed and placed; no behaviour."""

    def __init__(self, llm: LlmSettings) -> None:
        super().__init__()
        self._build(llm)

    def _build(self, llm: LlmSettings) -> None:
        self.banner = ErrorBanner()
        self.banner.setObjectName("script_banner")
        self.warning = ErrorBanner()
        self.warning.setObjectName("script_warning")

        self.model_combo = QComboBox()
        self.model_combo.setObjectName("model_combo")
        self.model_combo.setMinimumContentsLength(16)
        self.model_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setObjectName("refresh_models")
        self.refresh_button.setToolTip("Ask Ollama again for its installed models")
        self.models_hint = QLabel()
        self.models_hint.setObjectName("models_hint")
        self.models_hint.setWordWrap(True)
        self.models_hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.num_ctx = self._spin(
            512,
            262144,
            1024,
            llm.num_ctx,
            " tokens",
            "num_ctx",
            "Context size (num_ctx): prompt + reply must fit in it",
        )
        self.temperature = named(QDoubleSpinBox(), "temperature")
        self.temperature.setDecimals(2)
        self.temperature.setSingleStep(0.05)
        self.temperature.setRange(0.0, 2.0)
        self.temperature.setValue(llm.temperature)
        self.temperature.setToolTip("Higher is more varied, lower is more predictable")
        self.max_tokens = self._spin(
            16,
            32768,
            128,
            llm.num_predict,
            " tokens",
            "max_tokens",
            "Most tokens the model may write (num_predict)",
        )
        self.seed_check = named(QCheckBox("Fixed seed"), "seed_enabled")
        self.seed_check.setChecked(llm.seed is not None)
        self.seed_check.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.seed = self._spin(
            0, 2**31 - 1, 1, llm.seed or 0, "", "seed", "Same seed + same settings → same reply"
        )
        self.seed.setEnabled(llm.seed is not None)
        self.seed_check.toggled.connect(self.seed.setEnabled)

        model_row = QHBoxLayout()
        model_row.addWidget(self.model_combo, 1)
        model_row.addWidget(self.refresh_button)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed_check)
        seed_row.addWidget(self.seed, 1)
        params = QFormLayout()
        params.addRow("Model", model_row)
        params.addRow("", self.models_hint)
        # two columns of settings did not fit beside the scene at the window's minimum size
        params.addRow("Context", self.num_ctx)
        params.addRow("Max tokens", self.max_tokens)
        params.addRow("Temperature", self.temperature)
        params.addRow("Seed", seed_row)
        model_box = QGroupBox("Model and settings")
        box_layout = QVBoxLayout(model_box)
        box_layout.addLayout(params)

        self.topic = named(QLineEdit(), "topic")
        self.topic.setPlaceholderText(
            "What is the video about? e.g. a lighthouse keeper's last night"
        )
        topic_label = QLabel("<b>Topic</b>")
        topic_label.setBuddy(self.topic)
        self.generate_button = named(QPushButton("Generate"), "generate")
        self.generate_button.setDefault(True)
        self.stop_button = named(QPushButton("Stop"), "stop")
        self.stop_button.setToolTip("Stop the model (Esc)")
        self.generate_reason = named(QLabel(), "generate_reason")
        self.generate_reason.setWordWrap(True)
        self.generate_reason.setStyleSheet("color: palette(placeholder-text);")
        action_row = QHBoxLayout()
        action_row.addWidget(self.generate_reason, 1)
        action_row.addWidget(self.stop_button)
        action_row.addWidget(self.generate_button)

        self.stream_view = named(QPlainTextEdit(), "stream_view")
        self.stream_view.setReadOnly(True)
        self.stream_view.setPlaceholderText("The model's reply appears here as it is written.")
        self.counters = named(QLabel(), "counters")
        self.counters.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.problem_box = named(
            QGroupBox("The reply did not match the scene format"), "parse_problem"
        )
        self.parse_errors = named(QLabel(), "parse_errors")
        self.parse_errors.setWordWrap(True)
        self.parse_errors.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.raw_reply = named(QPlainTextEdit(), "raw_reply")
        self.raw_reply.setToolTip(
            "The model's last reply, kept in the project. Fix it and press Parse again."
        )
        self.reparse_button = named(QPushButton("Parse again"), "reparse")
        prob_layout = QVBoxLayout(self.problem_box)
        prob_layout.addWidget(self.parse_errors)
        prob_layout.addWidget(self.raw_reply, 1)
        prob_layout.addWidget(self.reparse_button, 0, Qt.AlignmentFlag.AlignRight)
        self.problem_box.hide()

        left = QVBoxLayout()
        left.addWidget(self.banner)
        left.addWidget(self.warning)
        left.addWidget(model_box)
        left.addWidget(topic_label)
        left.addWidget(self.topic)
        left.addLayout(action_row)
        left.addWidget(QLabel("<b>Model reply</b> (live)"))
        left.addWidget(self.stream_view, 2)
        left.addWidget(self.counters)
        left.addWidget(self.problem_box, 2)

        self.editor = SceneEditor()
        scroll = ScrollColumn(self.editor)
        scroll.setObjectName("scene_scroll")
        self.next_button = named(QPushButton("Next: Voice →"), "next")
        self.next_reason = named(QLabel(), "next_reason")
        self.next_reason.setWordWrap(True)
        self.next_reason.setStyleSheet("color: palette(placeholder-text);")
        next_row = QHBoxLayout()
        next_row.addWidget(self.next_reason, 1)
        next_row.addWidget(self.next_button)
        self.versions_button = named(QPushButton("Versions…"), "versions")
        self.versions_button.setToolTip("Every scene the model wrote and the edits kept before it")
        scene_title = QLabel("<b>Scene</b> — edit anything; later stages use what is here")
        scene_title.setWordWrap(True)
        scene_row = QHBoxLayout()
        scene_row.addWidget(scene_title, 1)
        scene_row.addWidget(self.versions_button)
        right = QVBoxLayout()
        right.addLayout(scene_row)
        right.addWidget(scroll, 1)
        right.addLayout(next_row)

        root = QHBoxLayout(self)
        root.setContentsMargins(4, 0, 0, 0)
        left_w, right_w = QWidget(), QWidget()
        left_w.setLayout(left)
        right_w.setLayout(right)
        left.setContentsMargins(0, 0, 0, 0)
        right.setContentsMargins(0, 0, 0, 0)
        root.addWidget(left_w, 5)
        root.addWidget(right_w, 6)

    def _spin(
        self, lo: int, hi: int, step: int, value: int, suffix: str, name: str, tip: str
    ) -> QSpinBox:
        spin = named(QSpinBox(), name)
        spin.setSingleStep(step)
        spin.setSuffix(suffix)
        spin.setRange(lo, hi)
        spin.setValue(value)
        spin.setToolTip(tip)
        spin.setGroupSeparatorShown(True)
        return spin
