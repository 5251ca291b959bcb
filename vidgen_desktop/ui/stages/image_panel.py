"""Image stage: the scene's image prompt → a still image through a ComfyUI workflow.

Everything generic (workflow picker with server availability, Generate/Cancel, progress, takes,
import) lives in ComfyStagePanel; this panel adds the prompts, style, size presets by aspect,
quality and seed, the live preview while sampling and an image view that scales to fit.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from vidgen_desktop.core.errors import InvalidInput
from vidgen_desktop.core.project import Take, looks_like_project
from vidgen_desktop.core.scene import Scene
from vidgen_desktop.pipeline.image_sizes import presets
from vidgen_desktop.pipeline.inputs import ImageInputs, image_request
from vidgen_desktop.pipeline.types import StageOutcome, StageRequest
from vidgen_desktop.ui.context import AppContext
from vidgen_desktop.ui.stages.comfy_stage import ComfyStagePanel
from vidgen_desktop.ui.stages.image_inputs import FIXED, RANDOM, PromptBox, SettingsBox
from vidgen_desktop.ui.stages.image_view import ImageLoader, ImageView, probe_image
from vidgen_desktop.workflow import Stage, Workflow

log = logging.getLogger(__name__)

EMPTY_TEXT = (
    "No image yet.\nPress Generate image, or import your own picture "
    "(Import… below, or drop a file anywhere on this page)."
)


class ImagePanel(ComfyStagePanel):
    key = "image"
    title = "Image"
    stage = Stage.IMAGE
    kind = "image"
    draft_tooltip = (
        "Half the steps at half the size: check the composition in seconds (same prompt and seed)"
    )
    generate_text = "Generate image"
    #: 50 sampler messages/s need not each relayout the window (see bench_image_job.py)
    progress_interval_ms = 100

    #: a take's image is on screen (the project-relative path); benchmarks and tests wait on it
    image_shown = Signal(str)

    def __init__(self, context: AppContext) -> None:
        super().__init__(context)
        self.setAcceptDrops(True)
        self.autosave.watch(self.prompts.changed, self.settings_box.changed)
        self.runner.succeeded.connect(self._on_take_made)
        self.runner.done.connect(self._after_job)
        context.scene_changed.connect(self._on_scene)
        self.autosave.restore()

    # ---- inputs -------------------------------------------------------------------------------
    def build_inputs(self, layout: QVBoxLayout) -> None:
        self.prompts = PromptBox()
        self.settings_box = SettingsBox()
        layout.addWidget(self.prompts)
        layout.addWidget(self.settings_box)

    def build_output(self) -> QWidget:
        self.view = ImageView()
        self.view.set_message(EMPTY_TEXT)
        self.caption = QLabel()
        self.caption.setObjectName("image_caption")
        self.caption.setWordWrap(True)
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reuse_seed_button = QPushButton("Reuse this take's seed")
        self.reuse_seed_button.setObjectName("image_reuse_seed")
        self.reuse_seed_button.setEnabled(False)
        self.reuse_seed_button.setToolTip("Show a generated take first.")
        self.reuse_seed_button.clicked.connect(self._reuse_seed)
        row = QHBoxLayout()
        row.addWidget(self.caption, 1)
        row.addWidget(self.reuse_seed_button)
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addLayout(row)
        self._shown: Take | None = None
        self.loader = ImageLoader(self)
        self.loader.loaded.connect(self._on_loaded)
        self.loader.failed.connect(self._on_load_failed)
        return box

    def missing_inputs(self) -> str:
        if self.context.project is None:
            return "Open or create a project first."
        if self.context.scene is None:
            return "Waiting for a script: generate or write one on the Script stage first."
        return ""

    def workflow_changed(self, workflow: Workflow | None) -> None:
        params = workflow.params if workflow is not None else set()
        self.prompts.show_negative(workflow is None or "negative" in params)
        self.settings_box.show_params(
            params if workflow is not None else {"width", "height", "steps", "cfg", "seed"}
        )
        box = self.settings_box
        aspect = box.aspect.currentData() or self.recalled("aspect", "9:16")  # keep the user's pick
        box.set_presets(presets(workflow), str(aspect))
        if workflow is not None:
            steps = self.recalled(f"steps:{workflow.name}", workflow.default("steps"))
            cfg = self.recalled(f"cfg:{workflow.name}", workflow.default("cfg"))
            box.blockSignals(True)
            if steps is not None:
                box.steps.setValue(int(steps))
            if cfg is not None:
                box.cfg.setValue(float(cfg))
            box.blockSignals(False)
            stored = self.autosave.stored()
            if stored.get("workflow") == workflow.name:
                self._apply_workflow_values(stored)

    def request_for(self, workflow: Workflow) -> StageRequest:
        return image_request(workflow, self.inputs_for(workflow))

    def inputs_for(self, workflow: Workflow) -> ImageInputs:
        positive, negative = self.prompts.values()
        if not positive:
            raise InvalidInput(
                "The prompt is empty: describe what the image should show.",
                hint="Or press “Reset to script” to use the script's image prompt.",
            )
        box = self.settings_box
        preset = box.preset()
        inputs = ImageInputs(
            positive=positive,
            negative=negative,
            style=box.style_edit.text(),
            aspect=preset.aspect if preset else None,
            width=preset.width if preset else None,
            height=preset.height if preset else None,
            steps=box.steps.value(),
            cfg=round(box.cfg.value(), 2),
            seed=box.seed_value(),
        )
        return inputs

    def build_request(self, workflow: Workflow) -> StageRequest:
        request = self.request_for(workflow)
        self._remember_choices(workflow)
        return request

    def validate_import(self, path: Path) -> dict[str, Any]:
        """Worker side: the file must really decode as an image (not just be named like one)."""
        super().validate_import(path)
        width, height = probe_image(path)
        return {"width": width, "height": height}

    # ---- output ---------------------------------------------------------------------------------
    def prepare_preview(self, data: bytes) -> QImage:
        """Worker side: decode the JPEG/PNG frame here so the GUI thread only paints it."""
        return QImage.fromData(data)

    def show_preview(self, data: QImage | bytes) -> None:
        image = data if isinstance(data, QImage) else QImage.fromData(data)
        if image.isNull():
            return
        self.view.set_image(image, mode="preview")
        self.caption.setText("Live preview while sampling (the final image replaces it).")
        self.reuse_seed_button.hide()  # it belongs to the chosen take, not to this preview

    def show_take(self, take: Take | None, path: Path | None) -> None:
        self._shown = take
        if take is None or path is None:
            if not self.runner.is_running():
                self.view.set_message(EMPTY_TEXT)
                self.caption.setText("")
            self._update_reuse()
            return
        self.caption.setText(self._describe(take))
        self._update_reuse()
        self.loader.load(path)

    def _describe(self, take: Take) -> str:
        takes = self.project.takes_for(self.key) if self.project else []
        number = next((i for i, t in enumerate(takes, start=1) if t.id == take.id), 0)
        parts = [f"Take {number}" if number else "Take"]
        if take.source == "imported":
            parts.append(f"imported ({take.settings.get('imported from', take.file)})")
        if take.seed is not None:
            parts.append(f"seed {take.seed}")
        if take.width and take.height:
            parts.append(f"{take.width} × {take.height} px")
        if take.workflow:
            parts.append(take.workflow)
        return " · ".join(parts)

    def _on_loaded(self, path: Path, image: QImage) -> None:
        shown = self.project.path_of(self._shown) if self.project and self._shown else None
        if shown is None or Path(shown) != Path(path):
            return  # the user moved on to another take meanwhile
        self.view.set_image(image, mode="take")
        if self.view.isVisible():
            self.view.repaint()  # paint now: "shown" means on screen, not merely scheduled
        self.image_shown.emit(self._shown.file if self._shown else "")

    def _on_load_failed(self, path: Path, message: str) -> None:
        shown = self.project.path_of(self._shown) if self.project and self._shown else None
        if shown is not None and Path(shown) == Path(path):
            self.view.set_message(f"Cannot show this take: {message}")

    def _update_reuse(self) -> None:
        self.reuse_seed_button.show()
        seed = self._shown.seed if self._shown is not None else None
        self.reuse_seed_button.setEnabled(seed is not None)
        self.reuse_seed_button.setToolTip(
            f"Set the seed to {seed} (Fixed) to vary this picture with the same composition"
            if seed is not None
            else "This take has no seed (imported, or none shown yet)."
        )

    def _reuse_seed(self) -> None:
        if self._shown is not None and self._shown.seed is not None:
            self.settings_box.use_seed(self._shown.seed)

    def _on_take_made(self, outcome: object) -> None:
        if isinstance(outcome, StageOutcome) and outcome.seed is not None:
            self.settings_box.last_seed.setText(str(outcome.seed))

    def _after_job(self) -> None:
        # A failed or cancelled job leaves its last preview on screen: go back to the chosen take.
        if self.view.mode == "preview" and not self.loader.busy():
            chosen = self.project.chosen_take(self.key) if self.project else None
            self.show_take(
                chosen, self.project.path_of(chosen) if chosen and self.project else None
            )

    # ---- scene sync and remembered inputs ---------------------------------------------------------
    def _on_scene(self, scene: Scene | None) -> None:
        if scene is not None:
            self.prompts.set_script(scene.image.positive_prompt, scene.image.negative_prompt)
        self.update_actions()

    def restore_input_values(self, values: dict[str, Any]) -> None:
        scene = self.context.scene
        script = (scene.image.positive_prompt, scene.image.negative_prompt) if scene else ("", "")
        self.prompts.blockSignals(True)
        self.prompts.set_script(*script)
        if values.get("positive") or values.get("negative"):
            self.prompts.restore(str(values.get("positive", "")), str(values.get("negative", "")))
        else:
            self.prompts.reset_to_script()
        self.prompts.blockSignals(False)
        box = self.settings_box
        box.style_edit.setText(str(values.get("style", self.recalled("style", ""))))
        mode = values.get("seed_mode", self.recalled("seed_mode", RANDOM))
        seed = values.get("seed", self.recalled("seed", None))
        if mode == FIXED and seed is not None:
            box.use_seed(int(seed))
        wf = self.current_workflow()
        if wf is not None and values.get("workflow") == wf.name:
            self._apply_workflow_values(values)

    def _apply_workflow_values(self, values: dict[str, Any]) -> None:
        box = self.settings_box
        box.blockSignals(True)
        if values.get("aspect"):
            index = box.aspect.findData(values["aspect"])
            if index >= 0:
                box.aspect.setCurrentIndex(index)
        if values.get("steps"):
            box.steps.setValue(int(values["steps"]))
        if values.get("cfg") is not None:
            box.cfg.setValue(float(values["cfg"]))
        box.blockSignals(False)

    def input_values(self) -> dict[str, Any]:
        """The user's own prompt text (only when edited: else it follows the script), style,
        size, quality and seed, kept with the project."""
        positive, negative = self.prompts.values()
        box = self.settings_box
        wf = self.current_workflow()
        preset = box.preset()
        entry: dict[str, Any] = {
            "workflow": wf.name if wf else "",
            "style": box.style_edit.text(),
            "aspect": preset.aspect if preset else None,
            "steps": box.steps.value(),
            "cfg": round(box.cfg.value(), 2),
            "seed_mode": box.seed_mode.currentData(),
            "seed": int(box.seed.text()) if box.seed.text().isdigit() else None,
        }
        if self.prompts.edited():
            entry.update(positive=positive, negative=negative)
        return entry

    def _remember_choices(self, workflow: Workflow) -> None:
        box = self.settings_box
        preset = box.preset()
        if preset is not None:
            self.remember("aspect", preset.aspect)
        self.remember(f"steps:{workflow.name}", box.steps.value())
        self.remember(f"cfg:{workflow.name}", box.cfg.value())
        self.remember("style", box.style_edit.text())
        self.remember("seed_mode", box.seed_mode.currentData())
        self.remember("seed", int(box.seed.text()) if box.seed.text().isdigit() else None)
        self.autosave.save()

    # ---- drag and drop anywhere on the panel ------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = (
            [u for u in event.mimeData().urls() if u.isLocalFile()]
            if event.mimeData().hasUrls()
            else []
        )
        if urls and not any(looks_like_project(u.toLocalFile()) for u in urls):
            event.acceptProposedAction()  # a project folder goes on to the window, which opens it
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        files = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.import_files(files)  # non-images are refused with a reason by validate_import

    def shutdown(self) -> None:
        super().shutdown()
        self.loader.shutdown()
