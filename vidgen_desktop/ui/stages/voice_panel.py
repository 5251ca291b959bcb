"""Voice stage: the scene's words become a speech (or song) take through a ComfyUI voice workflow.

Inputs come pre-filled from the scene and stay editable; only the controls the chosen workflow
binds are shown (a speaker for Qwen3-TTS, a reference clip for the cloning variant, steps for
ACE-Step). Before spending GPU time the panel checks the text against the target length, and the
chosen take plays in an AudioPlayer with its waveform.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.core.errors import StorageError
from vidgen_desktop.core.progress import Progress
from vidgen_desktop.core.project import Take
from vidgen_desktop.core.speech_timing import TimingCheck, check_length
from vidgen_desktop.pipeline.inputs import (
    FALLBACK_VOICE_SECONDS,
    VoiceInputs,
    default_voice_seconds,
    default_voice_steps,
    sings,
    voice_request,
)
from vidgen_desktop.pipeline.types import StageRequest
from vidgen_desktop.ui.context import AppContext
from vidgen_desktop.ui.stages.comfy_stage import ComfyStagePanel
from vidgen_desktop.ui.stages.stage_inputs import SceneText, SeedEdit, form_group, job_fraction_only
from vidgen_desktop.ui.widgets.lazy_widget import LazyWidget
from vidgen_desktop.workers.runner import TaskRunner
from vidgen_desktop.workflow import Stage, Workflow
from vidgen_desktop.workflow.object_info import combo_options

if TYPE_CHECKING:
    from vidgen_desktop.ui.widgets.audio_player import AudioPlayer

log = logging.getLogger(__name__)

REFERENCE_FILTER = "Voice clip (*.wav *.mp3 *.flac)"
#: where a reference clip chosen from outside the project is copied to
REFERENCE_FOLDER = "references"
NO_TAKE = "No take yet: Generate, or import your own audio (WAV, MP3, FLAC)."
_WARN_STYLE = "color: #b26a00;"
_OK_STYLE = "color: palette(placeholder-text);"


class VoicePanel(ComfyStagePanel):
    key = "voice"
    title = "Voice"
    stage = Stage.VOICE
    kind = "audio"
    draft_tooltip = (
        "Only the first sentences (a song: its first 15 s), to hear the voice quickly "
        "(same voice and seed)"
    )

    def __init__(self, context: AppContext) -> None:
        super().__init__(context)
        # the base's 28-character picker + "Re-check server" overflow the 1280 px layout; an explicit
        # minimum width wins over the combo's (cached) size hint
        self.workflow_combo.setMinimumWidth(160)
        self.options_runner = TaskRunner("voice-options", self)
        self.options_runner.succeeded.connect(self._on_speaker_options)
        context.scene_changed.connect(self._fill_from_scene)
        self._fill_from_scene(context.scene)
        self.reference_runner = TaskRunner("voice-reference", self)
        self.reference_runner.succeeded.connect(self._reference_copied)
        self.reference_runner.failed.connect(self._show_input_error)
        self.autosave.watch(
            self.lyrics.textChanged,
            self.tags.textEdited,
            self.instruct.textChanged,
            self.speaker.activated,
            self.seconds.valueChanged,
            self.steps.valueChanged,
            self.seed.changed,
            self.reference_text.textEdited,
        )
        self.autosave.restore()

    # ---- inputs --------------------------------------------------------------------------------
    def build_inputs(self, layout: QVBoxLayout) -> None:
        self._reference: Path | None = None
        say_box, self.say_form = form_group("What to say")
        self.lyrics = SceneText("voice_lyrics", max_height=150)
        self.lyrics.setMinimumHeight(90)
        self.lyrics.setPlaceholderText("The words to speak (or sing), taken from the script")
        self.say_form.addRow("Text:", self.lyrics)
        self.tags = QLineEdit()
        self.tags.setObjectName("voice_tags")
        self.tags.setPlaceholderText("style tags, comma separated: calm, warm, acoustic")
        self.say_form.addRow("Tags:", self.tags)
        # the length check gets a row of its own: a two-line warning beside a button was clipped
        self.timing = QLabel()
        self.timing.setObjectName("voice_timing")
        self.timing.setWordWrap(True)
        self.say_form.addRow(self.timing)
        reset = QPushButton("Reset to script")
        reset.setObjectName("voice_reset")
        reset.setToolTip("Put the script's text and tags back, dropping your edits")
        reset.clicked.connect(self._reset_to_scene)
        reset_row = QHBoxLayout()
        reset_row.addStretch(1)
        reset_row.addWidget(reset)
        self.say_form.addRow(reset_row)
        layout.addWidget(say_box)

        how_box, self.how_form = form_group("How it sounds")
        self.how_box = how_box
        self.instruct = QPlainTextEdit()
        self.instruct.setObjectName("voice_instruct")
        self.instruct.setTabChangesFocus(True)
        self.instruct.setMaximumHeight(64)
        self.instruct.setPlaceholderText("e.g. Warm, clear and friendly, at a relaxed pace")
        self.instruct.setToolTip("A free-text style instruction for the voice")
        self.how_form.addRow("Voice instructions:", self.instruct)
        self.speaker = QComboBox()
        self.speaker.setObjectName("voice_speaker")
        self.how_form.addRow("Speaker:", self.speaker)
        self.reference_label = QLabel("No clip chosen")
        self.reference_label.setObjectName("voice_reference")
        self.reference_label.setWordWrap(True)
        choose = QPushButton("Choose clip…")
        choose.setObjectName("voice_reference_choose")
        choose.clicked.connect(self._choose_reference)
        clear = QPushButton("Clear")
        clear.clicked.connect(lambda: self.set_reference(None))
        ref_row = QWidget()
        ref_layout = QHBoxLayout(ref_row)
        ref_layout.setContentsMargins(0, 0, 0, 0)
        ref_layout.addWidget(self.reference_label, 1)
        ref_layout.addWidget(choose)
        ref_layout.addWidget(clear)
        self.reference_row = ref_row
        self.how_form.addRow("Reference voice:", ref_row)
        self.reference_text = QLineEdit()
        self.reference_text.setObjectName("voice_reference_text")
        self.reference_text.setPlaceholderText("What the reference clip says, word for word")
        self.how_form.addRow("Clip transcript:", self.reference_text)
        layout.addWidget(how_box)

        quality_box, self.quality_form = form_group("Length and quality")
        self.seconds = QDoubleSpinBox()
        self.seconds.setObjectName("voice_seconds")
        self.seconds.setRange(1.0, 600.0)
        self.seconds.setDecimals(1)
        self.seconds.setSuffix(" s")
        self.seconds.setValue(FALLBACK_VOICE_SECONDS)
        # speech: follows the text's spoken length until the user sets it; songs: their length
        self._seconds_follow = True
        self.seconds.valueChanged.connect(self._on_seconds_edited)
        self.quality_form.addRow("Target length:", self.seconds)
        self.steps = QSpinBox()
        self.steps.setObjectName("voice_steps")
        self.steps.setRange(1, 200)
        self.steps.setToolTip("More sampler steps: slower, usually cleaner")
        self.quality_form.addRow("Quality (steps):", self.steps)
        self.seed = SeedEdit("voice_seed")
        self.quality_form.addRow("Seed:", self.seed)
        layout.addWidget(quality_box)

        self.instruct.setPlainText(str(self.recalled("instruct", "")))
        self.lyrics.textChanged.connect(self._on_text_changed)
        self.seconds.valueChanged.connect(self.update_timing)
        self.update_timing()

    def build_output(self) -> QWidget:
        # the player (QtMultimedia) is made when this panel is first shown or a caller needs it
        self.output: LazyWidget[AudioPlayer] = LazyWidget(self._make_player, NO_TAKE)
        return self.output

    @property
    def player(self) -> AudioPlayer:
        return self.output.widget()

    def _make_player(self) -> AudioPlayer:
        from vidgen_desktop.ui.widgets.audio_player import AudioPlayer

        player = AudioPlayer()
        player.loaded.connect(self._on_player_loaded)
        player.load_failed.connect(self._on_player_failed)
        return player

    # ---- scene ---------------------------------------------------------------------------------
    def _fill_from_scene(self, scene: Any) -> None:
        if scene is None:
            return
        self.lyrics.follow(scene.audio.lyrics)
        tags = ", ".join(scene.audio.tags)
        if not self.tags.isModified():
            self.tags.setText(tags)
        self._scene_tags = tags

    def _reset_to_scene(self) -> None:
        self.lyrics.reset_to_scene()
        if getattr(self, "_scene_tags", None) is not None:
            self.tags.setText(self._scene_tags)
            self.tags.setModified(False)

    # ---- length --------------------------------------------------------------------------------
    def _set_seconds(self, value: float) -> None:
        self._setting_seconds = True
        try:
            self.seconds.setValue(value)
        finally:
            self._setting_seconds = False

    def _on_seconds_edited(self) -> None:
        if not getattr(self, "_setting_seconds", False):
            self._seconds_follow = False  # the user chose a length: it stays

    def _on_text_changed(self) -> None:
        wf = self.current_workflow()
        if self._seconds_follow and (wf is None or not sings(wf)):
            self._set_seconds(default_voice_seconds(wf, self.lyrics.text()))
        self.update_timing()

    def length_check(self) -> TimingCheck:
        return check_length(self.lyrics.text(), self.seconds.value())

    def update_timing(self) -> None:
        check = self.length_check()
        self.timing.setText(("⚠ " if check.level == "warn" else "") + check.message)
        self.timing.setStyleSheet(_WARN_STYLE if check.level != "ok" else _OK_STYLE)

    def generate(self, draft: bool = False) -> None:
        check = self.length_check()
        if check.level == "warn" and self.current_workflow() is not None and not draft:
            answer = QMessageBox.question(
                self,
                "Text and length do not match",
                check.message + "\n\nGenerate anyway?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        super().generate(draft)

    # ---- workflow ------------------------------------------------------------------------------
    def workflow_changed(self, workflow: Workflow | None) -> None:
        params = workflow.params if workflow is not None else set()
        self.say_form.setRowVisible(self.tags, "tags" in params)
        self.how_form.setRowVisible(self.instruct, "instruct" in params)
        self.how_form.setRowVisible(self.speaker, "speaker" in params)
        self.how_form.setRowVisible(self.reference_row, "reference_audio" in params)
        self.how_form.setRowVisible(self.reference_text, "reference_text" in params)
        self.quality_form.setRowVisible(self.steps, "steps" in params)
        # a group with no row left (a workflow without voice inputs) is not shown empty
        self.how_box.setVisible(
            bool({"instruct", "speaker", "reference_audio", "reference_text"} & params)
        )
        if workflow is None:
            return
        song = sings(workflow)
        self.seconds.setToolTip(
            "How long the song should be"
            if song
            else "This workflow speaks at its own pace: the length is only used to check the text "
            "(it follows the text's spoken length until you change it)"
        )
        if song:
            stored = self.autosave.stored()
            mine = stored.get("seconds") if stored.get("workflow") == workflow.name else None
            wanted = mine or self.recalled(f"seconds.{workflow.name}", None)
            self._set_seconds(float(wanted) if wanted else default_voice_seconds(workflow, ""))
        elif self._seconds_follow:
            self._set_seconds(default_voice_seconds(workflow, self.lyrics.text()))
        if "steps" in params:
            stored = self.autosave.stored()
            steps = stored.get("steps") if stored.get("workflow") == workflow.name else None
            self.steps.setValue(
                int(steps or self.recalled(f"steps.{workflow.name}", default_voice_steps(workflow)))
            )
        if "instruct" in params and not self.instruct.toPlainText().strip():
            self.instruct.setPlainText(str(workflow.default("instruct") or ""))
        if "speaker" in params:
            self._load_speakers(workflow)

    def _load_speakers(self, workflow: Workflow) -> None:
        default = str(
            self.autosave.stored().get("speaker")
            or self.recalled("speaker", workflow.default("speaker") or "")
        )
        self.speaker.clear()
        if default:
            self.speaker.addItem(default)
        binding = workflow.bindings["speaker"][0]
        client = self.context.comfy_client()
        input_name = binding.input
        if self.options_runner.is_running() or input_name is None or self.server_message:
            return  # the server is away: the preset stays; the next check refills the list

        def task(report: Any, token: Any) -> tuple[list[str], str]:
            options = combo_options(client.object_info(), binding.class_type, input_name)
            return [str(o) for o in options or ()], default

        self.options_runner.start(task)

    def _on_speaker_options(self, result: tuple[list[str], str]) -> None:
        options, default = result
        if not options:
            return
        self.speaker.clear()
        self.speaker.addItems(options)
        if default in options:
            self.speaker.setCurrentText(default)

    # ---- reference clip ------------------------------------------------------------------------
    def _choose_reference(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose a reference voice clip", str(Path.home()), REFERENCE_FILTER
        )
        if path:
            self.set_reference(Path(path))

    def set_reference(self, path: Path | None) -> None:
        """A clip from outside the project is copied in first (off the GUI thread), so the
        project holds it and no path outside the folder."""
        if path is not None and path.suffix.lower() not in (".wav", ".mp3", ".flac"):
            self.banner.show_message(
                f"{path.name} is not a WAV, MP3 or FLAC file.", level="warning"
            )
            return
        project = self.project
        if (
            path is not None
            and project is not None
            and not path.resolve().is_relative_to(project.root.resolve())
        ):
            self.reference_runner.start(lambda report, token: self._copy_reference(project, path))
            return
        self._use_reference(path)

    @staticmethod
    def _copy_reference(project: Any, path: Path) -> Path:
        import shutil

        target = project.unique_path(REFERENCE_FOLDER, path.name)
        try:
            shutil.copyfile(path, target)
        except OSError as exc:
            raise StorageError(
                f"Could not copy {path.name} into the project.", detail=str(exc)
            ) from exc
        return target

    def _reference_copied(self, target: Path) -> None:
        self._use_reference(target)
        self.autosave.edited()

    def _use_reference(self, path: Path | None) -> None:
        self._reference = path
        self.reference_label.setText(path.name if path else "No clip chosen")
        self.reference_label.setToolTip(str(path) if path else "")
        self._inputs_changed()

    # ---- request -------------------------------------------------------------------------------
    def request_for(self, workflow: Workflow) -> StageRequest:
        return voice_request(workflow, self.inputs_for(workflow))

    def inputs_for(self, workflow: Workflow) -> VoiceInputs:
        wanted = workflow.params
        return VoiceInputs(
            text=self.lyrics.text(),
            tags=self.tags.text() if "tags" in wanted else None,
            instruct=self.instruct.toPlainText() if "instruct" in wanted else None,
            speaker=self.speaker.currentText() or None,
            seconds=self.seconds.value(),
            steps=self.steps.value() if "steps" in wanted else None,
            seed=self.seed.value(),
            reference_audio=self._reference,
            reference_text=self.reference_text.text() if "reference_text" in wanted else None,
        )

    def build_request(self, workflow: Workflow) -> StageRequest:
        request = self.request_for(workflow)
        params = request.params
        if "instruct" in params:
            self.remember("instruct", params["instruct"])
        if "speaker" in params:
            self.remember("speaker", params["speaker"])
        if "steps" in params:
            self.remember(f"steps.{workflow.name}", params["steps"])
        if sings(workflow):
            self.remember(f"seconds.{workflow.name}", self.seconds.value())
        return request

    # ---- autosave ------------------------------------------------------------------------------
    def input_values(self) -> dict[str, Any]:
        project = self.project
        reference = (
            project.relative(self._reference)
            if project is not None
            and self._reference is not None
            and self._reference.resolve().is_relative_to(project.root.resolve())
            else None
        )
        wf = self.current_workflow()
        return {
            "workflow": wf.name if wf else "",
            "text": self.lyrics.saved(),
            "tags": self.tags.text() if self.tags.isModified() else None,
            "instruct": self.instruct.toPlainText(),
            "speaker": self.speaker.currentText(),
            "seconds": None if self._seconds_follow else self.seconds.value(),
            "steps": self.steps.value(),
            "seed": self.seed.value(),
            "reference": reference,
            "reference_text": self.reference_text.text(),
        }

    def restore_input_values(self, values: dict[str, Any]) -> None:
        self.lyrics.restore(values.get("text"))
        if values.get("tags") is not None:
            self.tags.setText(str(values["tags"]))
            self.tags.setModified(True)
        if "instruct" in values:
            self.instruct.setPlainText(str(values["instruct"]))
        if values.get("speaker"):
            if self.speaker.findText(values["speaker"]) < 0:
                self.speaker.addItem(str(values["speaker"]))
            self.speaker.setCurrentText(str(values["speaker"]))
        if values.get("seconds") is not None:
            self._set_seconds(float(values["seconds"]))
            self._seconds_follow = False
        if values.get("steps"):
            self.steps.setValue(int(values["steps"]))
        self.seed.set_value(values.get("seed"))
        project = self.project
        if values.get("reference") and project is not None:
            self._use_reference(project.root / str(values["reference"]))
        self.reference_text.setText(str(values.get("reference_text") or ""))

    def missing_inputs(self) -> str:
        if self.project is None:
            return "Open or create a project first."
        if self.context.scene is None:
            return "Waiting for a script: generate or write one first (Script stage)."
        return ""

    def _on_progress(self, p: Progress) -> None:
        super()._on_progress(job_fraction_only(p))

    # ---- output --------------------------------------------------------------------------------
    def show_take(self, take: Take | None, path: Path | None) -> None:
        if take is None or path is None:
            self.output.when_created(lambda player: player.clear(NO_TAKE))
            return
        self.output.when_created(lambda player: player.load(path))

    def _on_player_loaded(self, seconds: float) -> None:
        """MP3s have no header duration we read without decoding: store what the player measured."""
        project = self.project
        chosen = project.chosen_take(self.key) if project else None
        if project is None or chosen is None or chosen.duration_s is not None or seconds <= 0:
            return
        if self.player.path is None or project.path_of(chosen) != self.player.path:
            return
        chosen.duration_s = round(seconds, 3)
        project.save()
        self.takes.set_takes(project.takes_for(self.key), chosen.id, project.root)

    def _on_player_failed(self, message: str) -> None:
        self.banner.show_message(f"This take cannot be played: {message}", level="warning")

    def shutdown(self) -> None:
        self.options_runner.shutdown(5000)
        self.reference_runner.shutdown(5000)
        if self.output.created:
            self.player.shutdown()
        super().shutdown()
