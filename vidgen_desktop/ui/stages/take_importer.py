"""A stage's takes strip at work: choosing a take, and importing a user's own files as takes
(pick or drop files, check each really is this stage's kind, copy it into the project off the
GUI thread, add the takes)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

if TYPE_CHECKING:
    from vidgen_desktop.ui.context import AppContext

from vidgen_desktop.core.errors import InvalidInput
from vidgen_desktop.core.media_info import media_kind, suffix_filter
from vidgen_desktop.core.project import Project, Take, TakeKind
from vidgen_desktop.ui.widgets.takes_strip import TakesStrip
from vidgen_desktop.workers.runner import TaskRunner

#: worker side: refuse a file (InvalidInput) or return extra Take fields learnt while checking
Validator = Callable[[Path], dict[str, Any] | None]


def check_kind(path: Path, kind: TakeKind) -> None:
    """The first check every stage makes: a file, and of this stage's kind by its name."""
    if not path.is_file():
        raise InvalidInput(f"{path} is not a file.")
    if media_kind(path) != kind:
        article = "an" if kind == "image" else "a"
        raise InvalidInput(f"{path.name} is not {article} {kind} file this stage can use.")


class TakeImporter(QObject):
    """Signals: `failed(VidGenError)` for a file that could not be imported."""

    failed = Signal(object)

    def __init__(
        self,
        context: AppContext,
        stage: str,
        kind: TakeKind,
        validate: Validator,
        strip: TakesStrip,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.context, self.stage, self.kind, self.validate = context, stage, kind, validate
        self.runner = TaskRunner(f"{stage}-import", self)
        self.runner.succeeded.connect(self._imported)
        self.runner.failed.connect(self.failed)
        strip.chosen.connect(self._chosen)
        strip.import_requested.connect(lambda: self.ask(parent, context.project))
        strip.files_dropped.connect(lambda paths: self.start(context.project, paths))

    def _chosen(self, take_id: str) -> None:
        project = self.context.project
        if project is not None:
            project.choose(self.stage, take_id)
            self.context.notify_takes(self.stage)

    def _imported(self, takes: list[Take]) -> None:
        project = self.context.project
        if project is None or not takes:
            return
        for take in takes:
            project.add_take(take)
        self.context.notify_takes(self.stage)

    def ask(self, parent: QWidget, project: Project | None) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            parent, f"Import {self.kind}", str(Path.home()), suffix_filter(self.kind)
        )
        if paths:
            self.start(project, paths)

    def start(self, project: Project | None, paths: list[str]) -> None:
        if project is None or self.runner.is_running():
            return
        stage, kind, validate = self.stage, self.kind, self.validate

        def task(report: Any, token: Any) -> list[Take]:
            takes = []
            for src in map(Path, paths):
                token.raise_if_cancelled()
                takes.append(project.copy_in(stage, src, kind, **(validate(src) or {})))
            return takes

        self.runner.start(task)

    def shutdown(self) -> None:
        self.runner.shutdown(5000)
