"""Script stage: topic → Ollama → an editable scene that every later stage reads.

The panel only renders state and starts work: listing models, streaming a scene and regenerating
one field all run on TaskRunners around the core (`ollama_client.scene_writer`). Hand edits are
validated after a short pause and pushed into the context, so later stages see them.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any

from PySide6.QtCore import QTimer, Slot

from vidgen_desktop.core.errors import ModelNotFound, ServerUnavailable, VidGenError
from vidgen_desktop.core.progress import Progress, format_duration
from vidgen_desktop.core.scene import Scene
from vidgen_desktop.core.scene_parse import InvalidSceneReply, parse_scene, scene_from_fields
from vidgen_desktop.ollama_client.models import GenerationOptions, ModelInfo, ServerStatus
from vidgen_desktop.ollama_client.scene_writer import FieldOutcome, SceneOutcome
from vidgen_desktop.pipeline.script_job import ScriptInputs
from vidgen_desktop.ui.context import AppContext
from vidgen_desktop.ui.stage_panel import StageState, StageStatus
from vidgen_desktop.ui.stages.live_reply import LiveReply
from vidgen_desktop.ui.stages.model_list import ModelList
from vidgen_desktop.ui.stages.scene_history import SceneHistory
from vidgen_desktop.ui.stages.script_fields import LABELS, field_key
from vidgen_desktop.ui.stages.script_layout import EMPTY_MODELS_TEXT, ScriptPanelLayout
from vidgen_desktop.workers.runner import TaskRunner

log = logging.getLogger(__name__)

EDIT_DEBOUNCE_MS = 400


class ScriptPanel(ScriptPanelLayout):
    key = "script"
    title = "Script"

    def __init__(self, context: AppContext) -> None:
        super().__init__(context.settings.llm)
        self.context = context
        self.model_list = ModelList(
            context, self.model_combo, self.models_hint, EMPTY_MODELS_TEXT, self
        )
        self.models_runner = self.model_list.runner
        self.model_list.changed.connect(self._update_controls)
        self.model_list.server_back.connect(self._server_back)
        self._mode = ""  # "scene" | "field" while a job runs
        self._banner_action = ""
        self._outcome = ""
        self._own_scene_change = False
        self.history = SceneHistory(
            self.editor,
            lambda: self.commit_edits(record=False),
            lambda: self.context.project,
            context.undo_stack,
            self,
        )
        self.history.flush = self.flush_edits
        for editor in self.editor.editors.values():
            self.history.route_keys(getattr(editor, "entry", editor))
            if hasattr(editor, "list"):
                self.history.route_keys(editor.list)
        self._connect_widgets()
        self.gen_runner = TaskRunner("script", self)
        self.gen_runner.started.connect(self._on_started)
        self.gen_runner.progress.connect(self._on_progress)
        self.gen_runner.succeeded.connect(self._on_succeeded)
        self.gen_runner.failed.connect(self._on_failed)
        self.gen_runner.cancelled.connect(self._on_cancelled)
        self.gen_runner.done.connect(self._on_done)
        self._edit_timer = QTimer(self, singleShot=True, interval=EDIT_DEBOUNCE_MS)
        self._edit_timer.timeout.connect(self.commit_edits)
        self._topic_timer = QTimer(self, singleShot=True, interval=EDIT_DEBOUNCE_MS)
        self._topic_timer.timeout.connect(self.save_topic)
        self.topic.textEdited.connect(lambda _t: self._topic_timer.start())
        self._settings_timer = QTimer(self, singleShot=True, interval=500)
        self._settings_timer.timeout.connect(self.context.save_settings)
        self.reply = LiveReply(self.stream_view, self.counters)
        self.reply.ticked.connect(
            lambda tokens, elapsed: self.context.job_progress.emit(
                "Script", Progress(message=f"{tokens} tokens", elapsed_s=elapsed)
            )
        )
        context.scene_changed.connect(self._on_scene_changed)
        context.project_changed.connect(lambda _p: self._load_from_project())
        context.project_closing.connect(self.flush_edits)
        context.settings_changed.connect(self.refresh_models)
        self._load_from_project()
        self._update_controls()

    def _connect_widgets(self) -> None:
        self.banner.action_clicked.connect(self._on_banner_action)
        for spin in (self.num_ctx, self.max_tokens, self.seed):
            spin.valueChanged.connect(self._on_params_changed)
        self.model_combo.currentIndexChanged.connect(self._on_params_changed)
        self.temperature.valueChanged.connect(self._on_params_changed)
        self.seed_check.toggled.connect(self._on_params_changed)
        self.refresh_button.clicked.connect(self.refresh_models)
        self.topic.textChanged.connect(self._update_controls)
        self.topic.returnPressed.connect(self.start_primary)
        self.generate_button.clicked.connect(self.generate)
        self.stop_button.clicked.connect(self.stop)
        self.reparse_button.clicked.connect(self.reparse_raw)
        self.editor.changed.connect(self._on_edited)
        self.editor.regenerate_requested.connect(self.regenerate)
        self.next_button.clicked.connect(self.next_requested)
        self.versions_button.clicked.connect(self.history.show_versions)

    # -- models ------------------------------------------------------------------------------
    def attach_ollama_monitor(self, monitor: Any) -> None:
        self.model_list.attach_monitor(monitor)

    @property
    def monitor(self) -> Any:
        return self.model_list.monitor

    @property
    def server(self) -> ServerStatus | None:
        return self.model_list.server

    @property
    def models(self) -> list[ModelInfo] | None:
        return self.model_list.models

    def refresh_models(self) -> None:
        self.model_list.refresh()

    def _server_back(self) -> None:
        if self._banner_action == "settings":
            self.banner.hide()  # the server came back: the old "not reachable" is stale

    def model_name(self) -> str:
        return self.model_list.name()

    def options(self) -> GenerationOptions:
        return GenerationOptions(
            num_ctx=self.num_ctx.value(),
            temperature=round(self.temperature.value(), 2),
            num_predict=self.max_tokens.value(),
            seed=self.seed.value() if self.seed_check.isChecked() else None,
        )

    def _on_params_changed(self, *_args: object) -> None:
        llm = self.context.settings.llm
        if self.model_name():
            llm.model = self.model_name()
        o = self.options()
        llm.num_ctx, llm.temperature, llm.num_predict, llm.seed = (
            o.num_ctx,
            o.temperature,
            o.num_predict,
            o.seed,
        )
        self._settings_timer.start()
        self._update_controls()

    # -- enabling ------------------------------------------------------------------------------
    def block_reason(self, need_topic: bool = True) -> str:
        """Why Generate cannot run now ('' when it can)."""
        if self.gen_runner.is_running():
            return "Working…"
        if self.server is not None and not self.server.reachable:
            return f"Ollama is not reachable at {self.server.url} — start it with `ollama serve`."
        if self.monitor is not None and self.server is None:
            return "Checking Ollama…"
        if not self.model_name():
            return EMPTY_MODELS_TEXT if self.models == [] else "Choose a model first."
        if need_topic and not self.topic.text().strip():
            return "Type a topic first."
        return ""

    def _update_controls(self, *_args: object) -> None:
        busy = self.gen_runner.is_running()
        reason = self.block_reason()
        self.generate_button.setEnabled(not reason)
        self.generate_button.setToolTip(reason or "Generate the scene (Ctrl+Enter)")
        self.generate_reason.setText("" if busy else reason)
        self.stop_button.setEnabled(busy)
        self.stop_button.setToolTip("Stop the model (Esc)" if busy else "Nothing is running")
        self.refresh_button.setEnabled(not self.models_runner.is_running())
        for w in (
            self.model_combo,
            self.num_ctx,
            self.temperature,
            self.max_tokens,
            self.seed_check,
            self.topic,
        ):
            w.setEnabled(not busy)
        self.seed.setEnabled(not busy and self.seed_check.isChecked())
        self.model_combo.setToolTip(self.model_combo.currentText() or self.models_hint.text())
        self.editor.set_regenerate_enabled(not reason, reason)
        self.reparse_button.setEnabled(not busy)
        valid = self.context.scene is not None and not self._edit_timer.isActive()
        next_reason = "" if valid else self._next_reason()
        self.next_button.setEnabled(valid and not busy)
        self.next_button.setToolTip(next_reason or "Go to the Voice stage")
        self.next_reason.setText(next_reason)

    def _next_reason(self) -> str:
        shown = self.editor.field_errors_shown()
        if shown:
            names = ", ".join(LABELS[field_key(k)].split(" (")[0].lower() for k in shown)
            return f"Next needs a complete scene: fix {names}."
        return "Next needs a complete scene: generate one or fill in every field."

    # -- generation ----------------------------------------------------------------------------
    def start_primary(self) -> None:
        if self.generate_button.isEnabled():
            self.generate()

    def _inputs(self) -> ScriptInputs:
        return ScriptInputs(self.topic.text().strip(), self.model_name(), self.options())

    def generate(self) -> None:
        if self.block_reason():
            return
        inputs, config_dir = self._inputs(), self.context.paths.config_dir
        settings = self.context.settings.model_copy(deep=True)
        self._begin("scene")
        self.problem_box.hide()
        self.editor.set_errors([])

        def work(report: Any, token: Any) -> Any:
            from vidgen_desktop.pipeline.script_job import write_scene  # loads ollama + httpx

            return write_scene(settings, inputs, report, token, config_dir)

        self.gen_runner.start(work)

    def regenerate(self, section: str, key: str) -> None:
        if self.block_reason():
            return
        inputs, config_dir = self._inputs(), self.context.paths.config_dir
        settings = self.context.settings.model_copy(deep=True)
        current: dict[str, dict[str, Any]] = {"audio": {}, "video": {}, "image": {}}
        for (s, k), v in self.editor.values().items():
            if (s, k) != (section, key):
                current[s][k] = v
        self._begin("field")

        def work(report: Any, token: Any) -> Any:
            from vidgen_desktop.pipeline.script_job import rewrite_field

            return rewrite_field(settings, inputs, current, section, key, report, token, config_dir)

        self.gen_runner.start(work)

    def _begin(self, mode: str) -> None:
        self._mode = mode
        self._outcome = "done"
        self.banner.hide()
        self.warning.hide()
        self.reply.begin()

    @Slot()
    def _on_started(self) -> None:
        self._update_controls()
        self.state_changed.emit()

    def stop(self) -> None:
        self.gen_runner.cancel()

    def is_busy(self) -> bool:
        return self.gen_runner.is_running()

    def busy_description(self) -> str:
        return "writing the script" if self.is_busy() else ""

    @Slot(object)
    def _on_progress(self, p: Progress) -> None:
        if p.kind == "warning":
            self.warning.show_message(
                p.message + " If Ollama runs out of memory, wait for ComfyUI's job to end and "
                "press Generate again.",
                level="warning",
            )
            self.context.notice.emit("warning", f"Script: {p.message}")
        elif p.message.startswith("GPU hand-off"):
            self.context.job_progress.emit("Script", p)
        else:
            self.reply.add(p)

    @Slot(object)
    def _on_succeeded(self, result: object) -> None:
        self.reply.flush()
        options = self.options().model_dump()
        if isinstance(result, SceneOutcome):
            outcome = result

            def new_scene() -> Scene | None:
                self.editor.set_scene(outcome.scene)
                self.editor.set_errors([])
                self._set_scene(outcome.scene, raw_reply=outcome.raw)
                return outcome.scene

            self.history.replace(
                new_scene, "Generate scene", "generated", model=outcome.model, options=options
            )
            self.context.maybe_name_from_topic(self.topic.text())
            warnings = result.warnings
        elif isinstance(result, FieldOutcome):
            field = result
            name = LABELS[(field.section, field.key)].split(" (")[0].lower()

            def new_field() -> Scene | None:
                self.editor.set_value((field.section, field.key), field.value, notify=False)
                return self.commit_edits(record=False)

            self.history.replace(
                new_field,
                f"Regenerate {name}",
                "field",
                model=self.model_name(),
                note=name,
                options=options,
            )
            warnings = result.warnings
        else:
            return
        if warnings:
            self.warning.show_message("\n".join(warnings), level="warning")

    @Slot(object)
    def _on_failed(self, error: VidGenError) -> None:
        self._outcome = "failed"
        self.reply.flush()
        if isinstance(error, InvalidSceneReply) and self._mode == "scene":
            self.show_parse_problem(error)
            if error.salvaged:
                from vidgen_desktop.core.scene_parse import salvaged_fields

                self.editor.set_values(salvaged_fields(error.salvaged), clear_missing=False)
                self.editor.set_errors(error.errors)
            self.commit_edits(raw_reply=error.raw)
            if error.warnings:
                self.warning.show_message("\n".join(error.warnings), level="warning")
            return
        action = ""
        self._banner_action = ""
        if isinstance(error, ServerUnavailable):
            action, self._banner_action = "Open settings", "settings"
        elif isinstance(error, ModelNotFound):
            action, self._banner_action = "Refresh models", "refresh"
        else:
            action, self._banner_action = "Retry", "retry"
        self.banner.show_error(error, action=action)
        if self._banner_action == "settings" and self.monitor is not None:
            self.monitor.poll_now()

    def show_parse_problem(self, error: InvalidSceneReply) -> None:
        lines = "\n".join(f"• {e.path}: {e.message}" for e in error.errors)
        self.parse_errors.setText(
            f"After one automatic retry the reply still has these problems:\n{lines}"
        )
        self.raw_reply.setPlainText(error.raw)
        self.problem_box.show()

    @Slot()
    def _on_cancelled(self) -> None:
        self._outcome = "stopped"
        self.warning.show_message("Stopped. The fields keep their previous values.", level="info")

    @Slot()
    def _on_done(self) -> None:
        self.reply.end()
        self._mode = ""
        took = format_duration(self.reply.elapsed_s())
        self.context.job_finished.emit(
            f"Script {self._outcome} at {datetime.now():%H:%M} (took {took})"
        )
        if self.monitor is not None:
            self.monitor.poll_now()  # the model is loaded now: show it and its GPU share
        self._update_controls()
        self.state_changed.emit()

    def _on_banner_action(self) -> None:
        if self._banner_action == "settings":
            from vidgen_desktop.ui.settings_dialog import open_settings_dialog

            self.settings_dialog = open_settings_dialog(self, self.context)
        elif self._banner_action == "refresh":
            self.refresh_models()
        elif self._banner_action == "retry":
            self.generate()
        self.banner.hide()

    def flush_edits(self) -> None:
        if self._edit_timer.isActive():
            self.commit_edits()
        if self._topic_timer.isActive():
            self.save_topic()

    def save_topic(self) -> None:
        """The topic is kept as it is typed, not only when a scene is generated."""
        self._topic_timer.stop()
        project = self.context.project
        topic = self.topic.text().strip()
        if project is not None and project.data.topic != topic:
            project.data.topic = topic
            project.save()

    # -- edits and the context ----------------------------------------------------------------------
    def _on_edited(self) -> None:
        self._edit_timer.start()
        self._update_controls()

    def commit_edits(self, raw_reply: str | None = None, record: bool = True) -> Scene | None:
        """Validate the fields now; a valid scene goes to the context, errors show inline. A hand
        edit becomes an undo step (`record`)."""
        self._edit_timer.stop()
        values = self.editor.values()
        if record:
            self.history.record_edit(values, time.monotonic())
        try:
            scene: Scene | None = scene_from_fields(values)
            self.editor.set_errors([])
        except InvalidSceneReply as exc:
            scene = None
            self.editor.set_errors(exc.errors)
        if self.context.project is not None:
            self.context.project.data.stage_inputs["script"] = {
                "draft": {f"{s}.{k}": v for (s, k), v in values.items()},
            }
        if scene != self.context.scene or raw_reply is not None:
            self._set_scene(scene, raw_reply=raw_reply)
        elif self.context.project is not None:
            self.context.project.save()
        self._update_controls()
        return scene

    def _set_scene(self, scene: Scene | None, raw_reply: str | None = None) -> None:
        self._own_scene_change = True
        try:
            self.context.set_scene(scene, raw_reply=raw_reply, topic=self.topic.text().strip())
        finally:
            self._own_scene_change = False

    def reparse_raw(self) -> None:
        try:
            scene = parse_scene(self.raw_reply.toPlainText())
        except InvalidSceneReply as exc:
            self.show_parse_problem(exc)
            return
        self.problem_box.hide()
        self.editor.set_scene(scene)
        self._set_scene(scene, raw_reply=self.raw_reply.toPlainText())
        self._update_controls()

    @Slot(object)
    def _on_scene_changed(self, scene: object) -> None:
        if not self._own_scene_change and isinstance(scene, Scene):
            self.editor.set_scene(scene)
            self._edit_timer.stop()
        self._update_controls()
        self.state_changed.emit()

    def _load_from_project(self) -> None:
        project = self.context.project
        if project is None:
            return
        self.topic.setText(project.data.topic)
        if project.data.scene is not None:
            self.editor.set_scene(project.data.scene)
        else:
            draft = project.data.stage_inputs.get("script", {}).get("draft", {})
            self.editor.set_values({field_key(k, "."): v for k, v in draft.items()})
            if project.data.raw_reply:
                try:
                    parse_scene(project.data.raw_reply)
                except InvalidSceneReply as exc:
                    self.show_parse_problem(exc)
        self._edit_timer.stop()
        self.history.reset(self.editor.values())

    # -- stage contract ------------------------------------------------------------------------
    def stage_state(self) -> StageState:
        if self.gen_runner.is_running():
            return StageState(StageStatus.running, "Writing the script…")
        if self.context.scene is not None:
            return StageState(StageStatus.done)
        return StageState(StageStatus.ready, "Generate a scene, or fill in every field by hand.")

    def shutdown(self) -> None:
        if self._edit_timer.isActive():
            self.commit_edits()
        if self._topic_timer.isActive():
            self.save_topic()
        self.gen_runner.shutdown()
        self.model_list.shutdown()
