"""Video stage: the chosen still and the chosen speech become a talking video (Wan 2.2 S2V).

A render can take an hour on a 12 GB card, so before queueing the panel says what it will cost
(chunks, frames, sampler steps, and a time estimate only once this machine has a measured step
rate), and while it runs it shows chunk and step progress, elapsed time, ETA and live frames.
The finished MP4 plays in a VideoPlayer with Save As and Open folder. A workflow whose MP4 has no
sound track is called out (muxing would need ffmpeg, which the app does not ship).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.core.errors import InvalidInput
from vidgen_desktop.core.progress import Progress
from vidgen_desktop.core.project import Take
from vidgen_desktop.pipeline.inputs import (
    VideoInputs,
    card_reason,
    default_lora,
    video_request,
    video_sizes,
    video_steps,
)
from vidgen_desktop.pipeline.types import StageOutcome, StageRequest
from vidgen_desktop.pipeline.video_plan import VideoReport, video_report
from vidgen_desktop.ui.context import AppContext
from vidgen_desktop.ui.stages.chunk_strip import progress_head
from vidgen_desktop.ui.stages.comfy_stage import ComfyStagePanel
from vidgen_desktop.ui.stages.stage_inputs import SceneText, SeedEdit, form_group, job_fraction_only
from vidgen_desktop.ui.stages.video_cost import TimingsCache, cost_text
from vidgen_desktop.ui.stages.video_output import NO_SOUND, VideoOutput
from vidgen_desktop.ui.widgets.takes_strip import take_summary
from vidgen_desktop.workflow import Stage, VideoPlan, Workflow

if TYPE_CHECKING:
    from vidgen_desktop.pipeline.resume import ResumeOutcome
    from vidgen_desktop.ui.widgets.video_player import VideoPlayer

log = logging.getLogger(__name__)

DEFAULT_SECONDS = 5.0


def size_label(width: int, height: int) -> str:
    shape = "portrait" if height > width else "landscape" if width > height else "square"
    return f"{width} × {height} px ({shape})"


class VideoPanel(ComfyStagePanel):
    key = "video"
    title = "Video"
    stage = Stage.VIDEO
    kind = "video"
    draft_tooltip = (
        "The first chunk at about 288 px with the fast 4-step LoRA: lip-sync, framing and motion "
        "in minutes, not hours (same image, speech, prompts and seed)"
    )
    confirm_long_cancel = True

    def __init__(self, context: AppContext) -> None:
        self._voice_s: float | None = None
        self._plan: VideoPlan | None = None
        self._samplers_seen: list[str] = []
        super().__init__(context)
        self.next_button.hide()  # the last stage
        self.timings = TimingsCache(lambda: context.timings, self)
        self.timings.loaded.connect(self.update_cost)
        context.scene_changed.connect(self._fill_from_scene)
        context.card_changed.connect(self._on_card)
        context.takes_changed.connect(lambda _stage: self._sync_upstream())
        context.project_changed.connect(lambda _p: self._sync_upstream())
        self._fill_from_scene(context.scene)
        self._sync_upstream()
        self.autosave.watch(
            self.positive.textChanged,
            self.negative.textChanged,
            self.seconds.valueChanged,
            self.size_combo.activated,
            self.steps.valueChanged,
            self.lora.toggled,
            self.seed.changed,
        )
        self.autosave.restore()

    # ---- inputs --------------------------------------------------------------------------------
    def build_inputs(self, layout: QVBoxLayout) -> None:
        uses_box, uses = form_group("Uses")
        self.image_use = QLabel()
        self.image_use.setObjectName("video_uses_image")
        self.voice_use = QLabel()
        self.voice_use.setObjectName("video_uses_voice")
        uses.addRow("Portrait:", self.image_use)
        uses.addRow("Speech:", self.voice_use)
        layout.addWidget(uses_box)

        prompt_box, prompts = form_group("What happens")
        self.positive = SceneText("video_positive", max_height=110)
        self.positive.setMinimumHeight(70)
        self.positive.setPlaceholderText("What the person does: expression, gestures, camera")
        self.negative = SceneText("video_negative", max_height=64)
        self.negative.setPlaceholderText("What to avoid")
        prompts.addRow("Prompt:", self.positive)
        prompts.addRow("Avoid:", self.negative)
        layout.addWidget(prompt_box)

        shape_box, self.shape_form = form_group("Length, size and quality")
        self.seconds = QDoubleSpinBox()
        self.seconds.setObjectName("video_seconds")
        self.seconds.setRange(0.5, 600.0)
        self.seconds.setDecimals(2)
        self.seconds.setSuffix(" s")
        self.seconds.setValue(DEFAULT_SECONDS)
        self.match_voice = QPushButton("Match voice")
        self.match_voice.setToolTip("Make the video as long as the chosen voice take")
        self.match_voice.setObjectName("video_match_voice")
        self.match_voice.clicked.connect(self._match_voice)
        length_row = QWidget()
        length_layout = QHBoxLayout(length_row)
        length_layout.setContentsMargins(0, 0, 0, 0)
        length_layout.addWidget(self.seconds, 1)
        length_layout.addWidget(self.match_voice)
        self.shape_form.addRow("Length:", length_row)
        self.size_combo = QComboBox()
        self.size_combo.setObjectName("video_size")
        self.size_combo.setToolTip(
            "Sizes that fit a 12 GB card with this workflow (multiples of 16)"
        )
        self.shape_form.addRow("Resolution:", self.size_combo)
        self.steps = QSpinBox()
        self.steps.setObjectName("video_steps")
        self.steps.setRange(1, 100)
        self.steps.setSuffix(" steps")
        self.shape_form.addRow("Steps per chunk:", self.steps)
        self.lora = QCheckBox("Fast 4-step LoRA")
        self.lora.setToolTip(
            "lightx2v's 4-step LoRA: 4 steps at cfg 1, about 5× faster than 20 steps"
        )
        self.lora.setObjectName("video_lora")
        self.lora.toggled.connect(self._on_lora)
        self.lora.clicked.connect(self._on_lora_clicked)
        self.shape_form.addRow("", self.lora)
        self.card_note = QLabel()
        self.card_note.setObjectName("video_card_note")
        self.card_note.setWordWrap(True)
        self.card_note.setStyleSheet("color: palette(placeholder-text);")
        self.card_note.hide()
        self.shape_form.addRow("", self.card_note)
        self.seed = SeedEdit("video_seed")
        self.shape_form.addRow("Seed:", self.seed)
        layout.addWidget(shape_box)

        cost_box, cost = form_group("Before you render")
        self.cost_label = QLabel()
        self.cost_label.setObjectName("video_cost")
        self.cost_label.setWordWrap(True)
        self.cost_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        cost.addRow(self.cost_label)
        layout.addWidget(cost_box)

        self.seconds.valueChanged.connect(self.update_cost)
        self.steps.valueChanged.connect(self.update_cost)

    def build_output(self) -> QWidget:
        self.view = VideoOutput()
        self.view.load_failed.connect(
            lambda msg: self.banner.show_message(
                f"This video cannot be played: {msg}", level="warning"
            )
        )
        self.view.save_failed.connect(self._show_error)
        self.view.chunks.watch.connect(self._watch_chunk)
        self.preview, self.output = self.view.preview, self.view.output
        self.sound_warning, self.chunks = self.view.sound_warning, self.view.chunks
        return self.view

    @property
    def player(self) -> VideoPlayer:
        return self.view.player

    def _watch_chunk(self, relative: str) -> None:
        if self.project is not None:
            self.view.play(self.project.root / relative)

    # ---- scene and upstream takes --------------------------------------------------------------
    def _fill_from_scene(self, scene: Any) -> None:
        if scene is not None:
            self.positive.follow(scene.video.positive_prompt)
            self.negative.follow(scene.video.negative_prompt)

    def _sync_upstream(self) -> None:
        """Show which takes will be used; the length follows the voice take until the user sets it."""
        project = self.project
        image = project.chosen_take("image") if project else None
        voice = project.chosen_take("voice") if project else None
        self.image_use.setText(
            take_summary(project, image, "image")
            if image
            else "none yet: choose an image take in the Image stage"
        )
        self.voice_use.setText(
            take_summary(project, voice, "voice")
            if voice
            else "none yet: choose a voice take in the Voice stage"
        )
        seconds = voice.duration_s if voice else None
        if seconds and (self._voice_s is None or abs(self.seconds.value() - self._voice_s) < 0.01):
            self.seconds.setValue(round(seconds, 2))
        self._voice_s = seconds
        self.match_voice.setEnabled(bool(seconds))
        self.match_voice.setToolTip(
            f"Make the video as long as the chosen voice take ({seconds:.1f} s)"
            if seconds
            else "The chosen voice take's length is not known yet"
        )
        self.update_cost()

    def _match_voice(self) -> None:
        if self._voice_s:
            self.seconds.setValue(round(self._voice_s, 2))

    # ---- workflow ------------------------------------------------------------------------------
    def workflow_changed(self, workflow: Workflow | None) -> None:
        params = workflow.params if workflow is not None else set()
        self.shape_form.setRowVisible(self.size_combo, "width" in params and "height" in params)
        self.shape_form.setRowVisible(self.steps, "steps" in params)
        self.shape_form.setRowVisible(self.lora, "lora" in params)
        if workflow is None:
            self.update_cost()
            return
        self.size_combo.clear()
        sizes = video_sizes(workflow)
        for w, h in sizes:
            self.size_combo.addItem(size_label(w, h), (w, h))
        wanted = self.recalled(f"size.{workflow.name}", None)
        if isinstance(wanted, list) and tuple(wanted) in sizes:
            self.size_combo.setCurrentIndex(sizes.index(tuple(wanted)))
        self._apply_lora_default(workflow)
        stored = self.autosave.stored()
        if stored.get("workflow") == workflow.name:
            self.apply_workflow_values(stored)
        self.load_timings(workflow)
        self.update_cost()

    def _apply_lora_default(self, workflow: Workflow) -> None:
        """The user's own choice when they made one, else the default for their card."""
        card = self.context.card_bytes
        self.lora.blockSignals(True)
        self.lora.setChecked(bool(self.recalled("lora", default_lora(workflow, card))))
        self.lora.blockSignals(False)
        chosen = self.recalled("lora", None) is not None
        reason = card_reason(workflow, card)
        self.card_note.setText("" if chosen else reason)
        self.card_note.setVisible(bool(reason) and not chosen and "lora" in workflow.params)
        self._apply_step_default(workflow)

    def _on_card(self) -> None:
        wf = self.current_workflow()
        if wf is not None and not self.runner.is_running():
            self._apply_lora_default(wf)
            self.update_cost()

    def load_timings(self, workflow: Workflow, fresh: bool = False) -> None:
        """What runs of this workflow took on this server (read off the GUI thread)."""
        self.timings.load(workflow.name, self.context.settings.comfyui_url, fresh)

    def _apply_step_default(self, workflow: Workflow) -> None:
        remembered = (
            None if self.lora.isChecked() else self.recalled(f"steps.{workflow.name}", None)
        )
        steps = video_steps(workflow, remembered, self.lora.isChecked())
        self.steps.setValue(int(steps or 20))

    def _on_lora(self, _on: bool) -> None:
        wf = self.current_workflow()
        if wf is not None:
            self._apply_step_default(wf)

    def _on_lora_clicked(self, on: bool) -> None:
        self.remember("lora", on)  # the user's choice wins from now on, and is remembered
        self.card_note.hide()

    # ---- cost ------------------------------------------------------------------------------------
    def report(self, workflow: Workflow, draft: bool = False) -> VideoReport:
        """What a render (or its draft) of the current inputs is and costs here (no I/O)."""
        project = self.project
        image = project.chosen_take("image") if project else None
        voice = project.chosen_take("voice") if project else None
        inputs = self._widget_inputs(
            workflow,
            image=project.path_of(image) if project and image else Path("image"),
            audio=project.path_of(voice) if project and voice else Path("speech"),
            positive=self.positive.text() or "(prompt)",
        )
        runs = self.timings.get(workflow.name, self.context.settings.comfyui_url)
        return video_report(workflow, inputs, runs, draft=draft)

    def update_cost(self) -> None:
        wf = self.current_workflow()
        if wf is None:
            self.cost_label.setText("Choose a workflow to see what a render costs.")
            return
        try:
            full, draft = self.report(wf), self.report(wf, draft=True)
        except InvalidInput as exc:
            self.cost_label.setText("⚠ " + exc.user_text())
            self.cost_label.setStyleSheet("color: #b26a00;")
            return
        self.cost_label.setStyleSheet("")
        self.cost_label.setText(cost_text(full, draft))

    # ---- autosave ------------------------------------------------------------------------------
    def input_values(self) -> dict[str, Any]:
        wf = self.current_workflow()
        follows = self._voice_s is not None and abs(self.seconds.value() - self._voice_s) < 0.01
        size = self.size_combo.currentData()
        return {
            "workflow": wf.name if wf else "",
            "positive": self.positive.saved(),
            "negative": self.negative.saved(),
            "seconds": None if follows else self.seconds.value(),
            "size": list(size) if size else None,
            "steps": self.steps.value(),
            "lora": self.lora.isChecked(),
            "seed": self.seed.value(),
        }

    def restore_input_values(self, values: dict[str, Any]) -> None:
        self.positive.restore(values.get("positive"))
        self.negative.restore(values.get("negative"))
        if values.get("seconds") is not None:
            self.seconds.setValue(float(values["seconds"]))
        self.seed.set_value(values.get("seed"))
        wf = self.current_workflow()
        if wf is not None and values.get("workflow") == wf.name:
            self.apply_workflow_values(values)

    def apply_workflow_values(self, values: dict[str, Any]) -> None:
        """Size, LoRA and steps belong to one workflow: restored when it is the chosen one."""
        if values.get("size"):
            index = self.size_combo.findData(tuple(values["size"]))
            if index >= 0:
                self.size_combo.setCurrentIndex(index)
        if values.get("lora") is not None:
            self.lora.blockSignals(True)
            self.lora.setChecked(bool(values["lora"]))
            self.lora.blockSignals(False)
        if values.get("steps"):
            self.steps.setValue(int(values["steps"]))

    # ---- request -------------------------------------------------------------------------------
    def missing_inputs(self) -> str:
        project = self.project
        if project is None:
            return "Open or create a project first."
        if self.context.scene is None:
            return "Waiting for a script: generate or write one first (Script stage)."
        missing = []
        if project.chosen_take("image") is None:
            missing.append("a chosen image take (Image stage)")
        if project.chosen_take("voice") is None:
            missing.append("a chosen voice take (Voice stage)")
        return ("Needs " + " and ".join(missing) + ".") if missing else ""

    def request_for(self, workflow: Workflow) -> StageRequest:
        return self._request_and_plan(workflow)[0]

    def _request_and_plan(self, workflow: Workflow) -> tuple[StageRequest, VideoPlan]:
        return video_request(workflow, self.inputs_for(workflow))

    def inputs_for(self, workflow: Workflow) -> VideoInputs:
        project = self.project
        missing = self.missing_inputs()
        if project is None or missing:
            raise InvalidInput(missing or "Open a project first.")
        image, voice = project.chosen_take("image"), project.chosen_take("voice")
        assert image is not None and voice is not None
        return self._widget_inputs(
            workflow,
            image=project.path_of(image),
            audio=project.path_of(voice),
            positive=self.positive.text(),
            image_take=image.id,
            voice_take=voice.id,
        )

    def _widget_inputs(self, workflow: Workflow, **given: object) -> VideoInputs:
        """The panel's fields as the workflow takes them (the real render and its estimate)."""
        wanted = workflow.params
        size = self.size_combo.currentData() if {"width", "height"} <= wanted else None
        return VideoInputs(
            negative=self.negative.text(),
            seconds=self.seconds.value(),
            width=size[0] if size else None,
            height=size[1] if size else None,
            steps=self.steps.value() if "steps" in wanted else None,
            seed=self.seed.value(),
            lora=self.lora.isChecked() if "lora" in wanted else None,
            card_bytes=self.context.card_bytes,
            **given,  # type: ignore[arg-type]
        )

    def build_request(self, workflow: Workflow) -> StageRequest:
        request, plan = self._request_and_plan(workflow)
        wanted = workflow.params
        size = self.size_combo.currentData() if {"width", "height"} <= wanted else None
        if size:
            self.remember(f"size.{workflow.name}", list(size))
        if "steps" in wanted and not self.lora.isChecked():
            self.remember(f"steps.{workflow.name}", self.steps.value())
        if "lora" in wanted:
            self.remember("lora", self.lora.isChecked())
        self._plan = plan
        self._samplers_seen = []
        self.preview.clear()
        self.preview.setText("Live frames appear here once sampling starts.")
        self.preview.show()
        return request

    # ---- job -----------------------------------------------------------------------------------
    def _on_progress(self, p: Progress) -> None:
        self.chunks.report(p)
        super()._on_progress(job_fraction_only(p))

    def progress_head(self, p: Progress) -> str:
        """ "Chunk 2/3 · step 4/20" while a sampler runs (see chunk_strip.progress_head)."""
        return progress_head(p, self._plan.chunks if self._plan else 0, self._samplers_seen)

    def adopt_seed(self, seed: int | None) -> None:
        """A draft's seed goes into an empty Seed field, so the full render matches the draft."""
        if seed is not None and self.seed.value() is None:
            self.seed.set_value(seed)
            self.banner.show_message(
                f"The draft is a take marked “draft” (not chosen). Its seed {seed} is now in the "
                "Seed field, so the full render matches what you saw.",
                level="info",
            )

    def show_preview(self, data: bytes) -> None:
        self.view.show_preview(data)

    def _on_succeeded(self, outcome: StageOutcome | ResumeOutcome) -> None:
        super()._on_succeeded(outcome)
        wf = self.current_workflow()
        if wf is not None:
            self.load_timings(wf, fresh=True)  # the next estimate knows this run
        if isinstance(outcome, StageOutcome) and outcome.take.draft:
            self.adopt_seed(outcome.seed)
        takes = [outcome.take] if isinstance(outcome, StageOutcome) else outcome.takes
        if takes:
            self.chunks.finished()
        if any(t.info.get("has_audio") is False for t in takes):
            self.banner.show_message(NO_SOUND, level="warning")
        self.update_cost()

    def _on_job_done(self) -> None:
        self.view.clear_preview()
        if self.chunks.chunks:
            self.chunks.stopped()  # still shown: the finished chunks can be watched
        super()._on_job_done()

    # ---- output --------------------------------------------------------------------------------
    def show_take(self, take: Take | None, path: Path | None) -> None:
        self.view.show_take(take, path)

    def shutdown(self) -> None:
        self.timings.shutdown()
        self.view.shutdown()
        super().shutdown()
