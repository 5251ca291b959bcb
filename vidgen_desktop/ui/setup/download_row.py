"""One missing model file on the Set-up page: what it is, where it goes, where it comes from
(shown before anything is fetched), and a Download / Pause / Resume button with a progress bar,
speed and time left. The download runs on a worker; a paused one keeps its partial file, so
Resume (in this session or after a restart) continues from there."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from vidgen_desktop.core.errors import Cancelled, VidGenError
from vidgen_desktop.core.progress import Progress, format_duration, format_transfer
from vidgen_desktop.modelfiles.download import Downloader, Transfer
from vidgen_desktop.workers.runner import TaskFn, TaskRunner


class DownloadRow(QWidget):
    #: the file is complete and checked: the page checks the set-up again
    finished = Signal(str)

    def __init__(
        self,
        file: str,
        folder: str,
        url: str,
        dest: Path | None,
        *,
        size_text: str = "",
        sha256: str = "",
        why_not: str = "",
        on_server: TaskFn | None = None,
        partial_bytes: int = 0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.file, self.url, self.dest, self.sha256 = file, url, dest, sha256 or None
        #: for a server whose folder is elsewhere: its ComfyUI-Manager fetches the file
        self.on_server = on_server
        self.runner = TaskRunner(f"download-{file}", self)
        self.runner.progress.connect(self._on_progress)
        self.runner.succeeded.connect(self._on_done)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_paused)
        self.runner.done.connect(self._on_runner_done)
        self._complete = False

        title = QLabel(
            f"<b>{file}</b> → models/{folder}/" + (f" · {size_text}" if size_text else "")
        )
        title.setWordWrap(True)
        self.source = QLabel(f"from <code>{url}</code>" if url else "no download address known")
        self.source.setObjectName("download_source")
        self.source.setWordWrap(True)
        self.source.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.button = QPushButton("Download")
        self.button.setObjectName("download_button")
        self.button.clicked.connect(self.toggle)
        self.bar = QProgressBar()
        self.bar.setVisible(False)
        self.status = QLabel()
        self.status.setObjectName("download_status")
        self.status.setWordWrap(True)

        head = QHBoxLayout()
        head.addWidget(title, 1)
        head.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 2, 0, 6)
        layout.addLayout(head)
        layout.addWidget(self.source)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)

        if on_server is not None and url:
            self.button.setText("Download on the server")
            self.button.setToolTip("ComfyUI-Manager on the server downloads it into its folder.")
        elif why_not or dest is None or not url:
            self.button.setEnabled(False)
            reason = why_not or (
                "This file's folder is not on this machine."
                if dest is None
                else "There is no direct download address for this file."
            )
            self.button.setToolTip(reason)
            self.status.setText(reason)
        elif partial_bytes:
            kept = partial_bytes
            self.button.setText("Resume")
            self.status.setText(f"{format_transfer(kept, None)} arrived before; Resume continues.")

    def toggle(self) -> None:
        if self.runner.is_running():
            self.runner.cancel()
            self.button.setEnabled(False)
            self.status.setText("Pausing…")
            return
        if self.on_server is not None:
            self.button.setText("Stop waiting")
            self.bar.setVisible(True)
            self.bar.setRange(0, 0)
            self.status.setText("Asking ComfyUI-Manager…")
            self.runner.start(self.on_server)
            return
        assert self.dest is not None
        downloader = Downloader(self.url, self.dest, sha256=self.sha256)

        def work(report, token):
            def on_transfer(t: Transfer) -> None:
                report(Progress(t.fraction, t.phase, t.eta_s, extra={"transfer": t}))

            return downloader.run(token, on_transfer)

        self.button.setText("Pause")
        self.bar.setVisible(True)
        self.bar.setRange(0, 0)
        self.status.setText("Connecting…")
        self.runner.start(work)

    def _on_progress(self, progress: Progress) -> None:
        t = progress.extra.get("transfer")
        if not isinstance(t, Transfer):
            if progress.message:  # ComfyUI-Manager's queue, on the server
                self.status.setText(progress.message)
            return
        if t.phase == "checking":
            self.status.setText("Reading what arrived before…")
            return
        if t.phase == "verifying":
            self.bar.setRange(0, 0)
            self.status.setText("Checking the SHA-256…")
            return
        if t.total:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * t.done / t.total))
        speed = f" · {t.speed_bps / 1e6:.1f} MB/s" if t.speed_bps else ""
        left = f" · {format_duration(t.eta_s)} left" if t.eta_s is not None else ""
        self.status.setText(f"{format_transfer(t.done, t.total)}{speed}{left}")

    def _on_done(self, _path: object) -> None:
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        self.button.setText("Downloaded")
        self.button.setEnabled(False)
        self.status.setText("Complete and checked.")
        self._complete = True

    def _on_runner_done(self) -> None:
        # said once the worker is gone, so the page may rebuild (and drop this row) safely
        if self._complete:
            self.finished.emit(self.file)

    def _on_paused(self) -> None:
        self.button.setEnabled(True)
        if self.on_server is not None:
            self.button.setText("Download on the server")
            self.status.setText(
                "Stopped waiting; ComfyUI-Manager may still finish it on the server "
                "(Check again shows it)."
            )
            return
        self.button.setText("Resume")
        self.status.setText("Paused: what arrived is kept; Resume continues from there.")

    def _on_failed(self, error: object) -> None:
        if isinstance(error, Cancelled):
            return self._on_paused()
        self.button.setEnabled(True)
        self.button.setText("Try again")
        self.bar.setVisible(False)
        text = error.user_text() if isinstance(error, VidGenError) else str(error)
        self.status.setText(f"<span style='color:#c62828'>{text}</span>")
        return None

    def shutdown(self) -> None:
        self.runner.shutdown(3000)
