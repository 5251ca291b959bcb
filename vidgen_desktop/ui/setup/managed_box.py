"""ComfyUI on this computer, for users without one: the Set-up page installs it with comfy-cli
(its output shown live), starts it in the background, stops it, adds node packs, and remembers
the install; "Start when VidGen opens" starts it with the app. Everything runs on workers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.core.errors import Cancelled, VidGenError
from vidgen_desktop.core.progress import Progress
from vidgen_desktop.managed.comfy_cli import GPU_FLAGS, ComfyCli
from vidgen_desktop.workers.runner import TaskRunner

if TYPE_CHECKING:
    from vidgen_desktop.ui.context import AppContext


def default_workspace() -> Path:
    """comfy-cli's own default on Linux (~/comfy/ComfyUI)."""
    return Path.home() / "comfy" / "ComfyUI"


class ManagedComfyBox(QGroupBox):
    #: ComfyUI started (its URL is now the app's ComfyUI address) or stopped
    server_changed = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("ComfyUI on this computer (comfy-cli)", parent)
        self.setObjectName("managed_box")
        self.context = context
        s = context.settings
        self.runner = TaskRunner("comfy-cli", self)
        self.runner.progress.connect(self._line)
        self.runner.succeeded.connect(self._done)
        self.runner.failed.connect(self._failed)
        self.runner.cancelled.connect(lambda: self._failed(Cancelled()))
        # the buttons come back (and the folder is looked at again) once the worker is gone
        self.runner.done.connect(self.probe)
        self._executable: str | None = None
        self._installed = False
        self._probe_again = False
        self.prober = TaskRunner("comfy-cli-probe", self)
        self.prober.succeeded.connect(self._probed)
        self.prober.done.connect(self._probe_done)
        self._action = ""

        self.folder = QLineEdit(s.managed_comfyui or str(default_workspace()))
        self.folder.setObjectName("managed_folder")
        choose = QPushButton("Choose…")
        choose.clicked.connect(self._choose_folder)
        self.gpu = QComboBox()
        self.gpu.addItems(list(GPU_FLAGS))
        self.gpu.setToolTip("The kind of GPU comfy-cli installs PyTorch for.")
        self.install_button = QPushButton("Install ComfyUI")
        self.install_button.setObjectName("managed_install")
        self.install_button.clicked.connect(self.install)
        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("managed_start")
        self.start_button.clicked.connect(self.start)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("managed_stop")
        self.stop_button.clicked.connect(self.stop)
        self.autostart = QCheckBox("Start when VidGen opens")
        self.autostart.setObjectName("managed_autostart")
        self.autostart.setChecked(s.start_managed_on_open)
        self.autostart.toggled.connect(self._autostart)
        self.pack = QLineEdit()
        self.pack.setObjectName("managed_pack")
        self.pack.setPlaceholderText("node pack to add, e.g. ComfyUI-Qwen-TTS")
        self.pack_button = QPushButton("Add node pack")
        self.pack_button.setObjectName("managed_pack_install")
        self.pack_button.clicked.connect(self.add_pack)
        self.state = QLabel()
        self.state.setObjectName("managed_state")
        self.state.setWordWrap(True)
        self.output = QPlainTextEdit()
        self.output.setObjectName("managed_output")
        self.output.setReadOnly(True)
        self.output.setMaximumBlockCount(2000)
        self.output.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.output.setMinimumHeight(120)
        self.output.setPlaceholderText("comfy-cli's output appears here as it runs.")

        where = QHBoxLayout()
        where.addWidget(QLabel("Folder"))
        where.addWidget(self.folder, 1)
        where.addWidget(choose)
        where.addWidget(self.gpu)
        where.addWidget(self.install_button)
        run = QHBoxLayout()
        run.addWidget(self.start_button)
        run.addWidget(self.stop_button)
        run.addWidget(self.autostart)
        run.addStretch(1)
        run.addWidget(self.pack, 1)
        run.addWidget(self.pack_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.state)
        layout.addLayout(where)
        layout.addLayout(run)
        layout.addWidget(self.output)
        self.folder.editingFinished.connect(self.probe)
        self.refresh()
        self.probe()

    def cli(self) -> ComfyCli:
        # "" until the probe has looked: never a PATH scan on the GUI thread
        return ComfyCli(Path(self.folder.text().strip()).expanduser(), self._executable or "")

    def probe(self) -> None:
        """Look for comfy-cli and an install in the folder on a worker (PATH and disk)."""
        if self.prober.is_running():
            self._probe_again = True
            return
        folder = Path(self.folder.text().strip()).expanduser()

        def look(_report, _token):
            from vidgen_desktop.managed.comfy_cli import find_comfy_cli

            return find_comfy_cli(), ComfyCli(folder, "").installed()

        self.prober.start(look)

    def _probed(self, found: object) -> None:
        assert isinstance(found, tuple)
        self._executable, self._installed = found
        self.refresh()

    def _probe_done(self) -> None:
        if self._probe_again:
            self._probe_again = False
            self.probe()

    def refresh(self) -> None:
        """Enable what can be done now, and say why the rest cannot (from the last probe)."""
        cli, busy = self.cli(), self.runner.is_running()
        installed = self._installed
        why = ""
        if self._executable is None and self.prober.is_running():
            why = "Looking for comfy-cli…"
        elif not cli.available:
            why = "Needs comfy-cli: install it with `pipx install comfy-cli`, then Check again."
        elif busy:
            why = "comfy-cli is running."
        for button, ok, reason in (
            (self.install_button, not installed, "ComfyUI is already installed in this folder."),
            (self.start_button, installed, "Install ComfyUI first."),
            (self.stop_button, installed, "Install ComfyUI first."),
            (self.pack_button, installed, "Install ComfyUI first."),
        ):
            enabled = not why and ok
            button.setEnabled(enabled)
            button.setToolTip("" if enabled else (why or reason))
        managed = self.context.settings.managed_comfyui
        if not cli.available:
            self.state.setText(why)
        elif installed:
            self.state.setText(
                f"ComfyUI is installed in {cli.workspace}"
                + (" (remembered by VidGen)." if managed == str(cli.workspace) else ".")
            )
        else:
            self.state.setText(
                "No ComfyUI in this folder yet. Install downloads ComfyUI and PyTorch "
                "(several GB) with comfy-cli."
            )

    # ---- actions -------------------------------------------------------------------------------
    def _go(self, action: str, work) -> None:
        self._action = action
        self.output.clear()
        self.runner.start(work)
        self.refresh()

    def install(self) -> None:
        cli, gpu = self.cli(), self.gpu.currentText()
        self._go("install", lambda report, token: cli.install(gpu, _lines(report), token))

    def start(self) -> None:
        cli, port = self.cli(), self.context.settings.managed_port
        self._go("start", lambda report, token: cli.launch(port, _lines(report), token))

    def stop(self) -> None:
        cli = self.cli()
        self._go("stop", lambda report, token: cli.stop(_lines(report), token))

    def add_pack(self) -> None:
        cli, pack = self.cli(), self.pack.text()
        self._go("pack", lambda report, token: cli.node_install(pack, _lines(report), token))

    def _line(self, progress: Progress) -> None:
        if progress.text:
            self.output.appendPlainText(progress.text)

    def _done(self, finished: object) -> None:
        s = self.context.settings
        s.managed_comfyui = str(self.cli().workspace)
        url = getattr(finished, "url", "")
        if self._action == "start" and url:
            s.comfyui_url = url.rstrip("/")
        self.context.update_settings()
        self.refresh()
        if self._action in ("start", "stop", "pack", "install"):
            self.server_changed.emit()

    def _failed(self, error: object) -> None:
        self.refresh()
        text = error.user_text() if isinstance(error, VidGenError) else str(error)
        self.output.appendPlainText(f"\n{text}")
        self.state.setText(f"<span style='color:#c62828'>{text.splitlines()[0]}</span>")

    def _autostart(self, on: bool) -> None:
        self.context.settings.start_managed_on_open = on
        self.context.update_settings()

    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "ComfyUI folder", self.folder.text())
        if chosen:
            self.folder.setText(chosen)
            self.probe()

    def shutdown(self) -> None:
        # a running install goes on being cancelled cleanly; a launched ComfyUI keeps running
        self.runner.shutdown(3000)
        self.prober.shutdown(2000)


def _lines(report):
    return lambda line: report(Progress(None, "", text=line, kind="token"))


def start_managed_if_asked(context: AppContext, runner: TaskRunner) -> bool:
    """On opening: start the remembered ComfyUI when the user asked for it and none answers."""
    s = context.settings
    if not (s.managed_comfyui and s.start_managed_on_open):
        return False
    folder, port, url = Path(s.managed_comfyui), s.managed_port, s.comfyui_url

    def work(_report, token):
        from vidgen_desktop.comfy.client import ComfyClient

        cli = ComfyCli(folder)  # looks for comfy-cli here, off the GUI thread

        probe = ComfyClient(url, timeout=2.0)
        try:
            probe.system_stats()
            return None  # already running
        except VidGenError:
            pass
        finally:
            probe.close()
        return cli.launch(port, lambda line: None, token)

    return runner.start(work)
