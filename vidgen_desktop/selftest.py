"""`--self-test`: prove an install (frozen or source) has everything it needs at run time.

Why: a PyInstaller build can silently drop a data file, a Qt plugin or the multimedia backend;
none of that shows until a user clicks. This runs offscreen, touches no user data (VIDGEN_HOME
goes to a temp folder), prints one `ok`/`FAIL` line per check and exits non-zero on any failure.
CI runs it against the frozen folder after every build.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import struct
import sys
import tempfile
import time
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from vidgen_desktop.ui.main_window import MainWindow

#: resource images Qt must decode: the media kinds' images plus the icon formats
ICON_SUFFIXES = (".svg", ".ico", ".icns")
MEDIA_TIMEOUT_S = 10.0
RUNNER_STOP_TIMEOUT_S = 10.0


class CheckFailed(Exception):
    """A self-test check failed; the message says what is missing or broken."""


@dataclass
class CheckResult:
    name: str
    ok: bool
    detail: str


def _files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


# -- checks (each returns a short detail or raises CheckFailed) -------------------------------


def check_version() -> str:
    from vidgen_desktop import __version__

    if getattr(sys, "frozen", False) and __version__.endswith("+source"):
        raise CheckFailed("package metadata missing from the frozen build (version unknown)")
    return __version__


def check_resources(root: Path | None = None) -> str:
    from PySide6.QtGui import QImage

    from vidgen_desktop.core.media_info import media_kind
    from vidgen_desktop.resources import resources_dir

    root = root or resources_dir()
    files = _files_under(root) if root.is_dir() else []
    if not files:
        raise CheckFailed(f"no resources found in {root}")
    images = 0
    for path in files:
        data = path.read_bytes()
        if not data:
            raise CheckFailed(f"empty resource: {path.relative_to(root)}")
        suffix = path.suffix.lower()
        if (media_kind(path) == "image" or suffix in ICON_SUFFIXES) and suffix != ".icns":
            if QImage.fromData(data).isNull():
                raise CheckFailed(f"image does not decode: {path.relative_to(root)}")
            images += 1
    return f"{len(files)} files ({images} images decoded) in {root}"


def _workflow_api() -> object | None:
    """The project's workflow package when importable, so we test the app's real parsing."""
    try:
        return importlib.import_module("vidgen_desktop.workflow")
    except ImportError:
        return None


def _is_graph_file(path: Path) -> bool:
    """Workflow graphs, as opposed to the manifest and per-workflow sidecars."""
    loader_mod = sys.modules.get("vidgen_desktop.workflow.loader")
    manifest = getattr(loader_mod, "MANIFEST_NAME", "manifest.json")
    sidecar = getattr(loader_mod, "SIDECAR_SUFFIX", ".vidgen.json")
    return (
        path.suffix.lower() == ".json" and path.name != manifest and not path.name.endswith(sidecar)
    )


def check_workflows(root: Path | None = None) -> str:
    from vidgen_desktop.resources import workflows_dir

    root = root or workflows_dir()
    if not root.is_dir():
        raise CheckFailed(f"workflows folder missing: {root}")
    files = _files_under(root)
    for path in files:
        if path.suffix.lower() != ".json":
            path.read_bytes()
            continue
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CheckFailed(f"{path.name} is not valid JSON: {exc}") from exc
    api = _workflow_api()
    graphs = [p for p in files if _is_graph_file(p)]
    if not graphs:
        raise CheckFailed(f"no workflow graphs in {root}")
    load_workflow = getattr(api, "load_workflow", None)
    shipped = getattr(api, "shipped_workflows", None)
    if not callable(load_workflow):
        return f"{len(graphs)} workflow graphs parsed as JSON, {len(files)} files in {root}"
    for path in graphs:
        try:
            load_workflow(path)
        except Exception as exc:
            raise CheckFailed(f"{path.name} rejected by load_workflow: {exc}") from exc
    listed = ""
    if callable(shipped):
        try:
            listed = f", manifest lists {len(shipped(root))}"
        except Exception as exc:
            raise CheckFailed(f"shipped workflow manifest unusable: {exc}") from exc
    return (
        f"{len(graphs)} workflows loaded with load_workflow{listed}; {len(files)} files in {root}"
    )


def check_package_data() -> str:
    """Non-code files inside the package (e.g. the prompt template) must have been bundled."""
    import vidgen_desktop

    root = Path(vidgen_desktop.__file__).resolve().parent
    data = [p for p in _files_under(root) if p.suffix not in (".py", ".pyc", ".pyi")]
    for path in data:
        path.read_bytes()
    return f"{len(data)} data files in the package"


def check_main_window() -> str:
    from PySide6.QtWidgets import QApplication

    from vidgen_desktop.app import build_window, create_app

    app = create_app(sys.argv[:1])
    window = build_window()
    try:
        window.show()
        QApplication.processEvents()
        if not window.isVisible():
            raise CheckFailed("main window did not become visible")
        if not window.panels:
            raise CheckFailed("main window has no stage panels")
        titles = ", ".join(p.title for p in window.panels)
        detail = f"{len(window.panels)} stages ({titles}) on platform {app.platformName()}"
    except BaseException:
        _close_like_a_user(window)
        raise
    closing = time.perf_counter()
    _close_like_a_user(window)
    return f"{detail}; closed in {time.perf_counter() - closing:.2f} s"


def _close_like_a_user(window: MainWindow) -> None:
    """Close the window (its closeEvent stops the panels), then wait for every TaskRunner it
    owns, e.g. server monitors, so no QThread outlives the window (Qt would abort)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from vidgen_desktop.workers.runner import TaskRunner

    window.close()
    for timer in window.findChildren(QTimer):  # no poll may start a new thread from here on
        timer.stop()
    runners = window.findChildren(TaskRunner)
    for runner in runners:
        runner.cancel()
    # Pump events while waiting: a runner's thread quits through a queued signal to this thread.
    deadline = time.monotonic() + RUNNER_STOP_TIMEOUT_S
    while any(r.is_running() for r in runners) and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.01)
    still = [r.name for r in runners if r.is_running()]
    if still:
        raise CheckFailed(f"background jobs did not stop on close: {', '.join(still)}")
    window.context.close()
    window.deleteLater()
    QApplication.processEvents()


def check_text_and_locale() -> str:
    """ICU-backed text features still work (the Linux build ships a slimmed ICU data library)."""
    from PySide6.QtCore import QCollator, QLocale, QTimeZone

    german = QCollator(QLocale("de_DE"))
    if not german.compare("ärger", "bauer") < 0:
        raise CheckFailed("German collation does not sort 'ä' with 'a' (ICU collation data?)")
    upper = QLocale("tr_TR").toUpper("i")
    if upper != "\u0130":
        raise CheckFailed(f"Turkish upper-casing of 'i' gave {upper!r} (ICU case data?)")
    number = QLocale("de_DE").toString(1234.5, "f", 1)
    if number != "1.234,5":
        raise CheckFailed(f"German number format gave {number!r}")
    berlin = QTimeZone(b"Europe/Berlin")
    if not berlin.isValid():
        raise CheckFailed("time zone Europe/Berlin unknown")
    return f"collation, case mapping, number format ({number}), time zones"


def write_test_wav(path: Path, seconds: float = 0.25, rate: int = 8000) -> None:
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
        for i in range(int(seconds * rate))
    )
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)


def check_multimedia(work_dir: Path, media: Path | None = None) -> str:
    """Load `media` (default: a generated 0.25 s WAV) to LoadedMedia with a video output set."""
    from PySide6.QtCore import QEventLoop, QTimer, QUrl
    from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
    from PySide6.QtMultimediaWidgets import QVideoWidget

    from vidgen_desktop.app import create_app

    create_app(sys.argv[:1])  # QVideoWidget needs a QApplication even if the window check failed
    if media is None:
        media = work_dir / "selftest.wav"
        write_test_wav(media)
    player = QMediaPlayer()
    audio = QAudioOutput()
    video = QVideoWidget()
    player.setAudioOutput(audio)
    player.setVideoOutput(video)
    loop = QEventLoop()
    errors: list[str] = []

    def on_status(status: QMediaPlayer.MediaStatus) -> None:
        if status in (QMediaPlayer.MediaStatus.LoadedMedia, QMediaPlayer.MediaStatus.InvalidMedia):
            loop.quit()

    def on_error(_error: QMediaPlayer.Error, message: str) -> None:
        errors.append(message or "unknown media error")
        loop.quit()

    player.mediaStatusChanged.connect(on_status)
    player.errorOccurred.connect(on_error)
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    try:
        if not player.isAvailable():
            raise CheckFailed("no QtMultimedia backend available (ffmpeg plugin missing?)")
        timer.start(int(MEDIA_TIMEOUT_S * 1000))
        player.setSource(QUrl.fromLocalFile(str(media)))
        if player.mediaStatus() != QMediaPlayer.MediaStatus.LoadedMedia:
            loop.exec()
        status = player.mediaStatus()
        if errors:
            raise CheckFailed(f"{media.name} did not load: {errors[0]}")
        if status != QMediaPlayer.MediaStatus.LoadedMedia:
            raise CheckFailed(
                f"{media.name} did not load within {MEDIA_TIMEOUT_S:.0f} s ({status.name})"
            )
        if player.duration() <= 0:
            raise CheckFailed(f"{media.name} loaded with no duration")
        return f"QMediaPlayer + QAudioOutput + QVideoWidget; {media.name} loaded, {player.duration()} ms"
    finally:
        timer.stop()
        player.stop()
        player.setSource(QUrl())
        video.deleteLater()


# -- runner -----------------------------------------------------------------------------------


def _checks(work_dir: Path) -> Iterator[tuple[str, Callable[[], str]]]:
    yield "version", check_version
    yield "resources", check_resources
    yield "workflows", check_workflows
    yield "package data", check_package_data
    yield "text and locale", check_text_and_locale
    yield "main window", check_main_window
    yield "multimedia", lambda: check_multimedia(work_dir)


def _output_stream() -> tuple[TextIO, Path | None]:
    """Windowed builds on Windows have no stdout: fall back to a report file in the temp dir."""
    if sys.stdout is not None:
        return sys.stdout, None
    report = Path(tempfile.gettempdir()) / "vidgen-selftest.txt"
    return open(report, "w", encoding="utf-8"), report


def run_self_test(stream: TextIO | None = None) -> int:
    """Run every check; return 0 when all pass, 1 otherwise (the process exit code)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    report_file: Path | None = None
    if stream is None:
        stream, report_file = _output_stream()
    results: list[CheckResult] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="vidgen-selftest-") as tmp:
        work = Path(tmp)
        previous_home = os.environ.get("VIDGEN_HOME")
        os.environ["VIDGEN_HOME"] = str(work / "home")  # never touch the user's real data
        frozen = "frozen" if getattr(sys, "frozen", False) else "source"
        stream.write(f"VidGen Desktop self-test ({frozen}, Python {sys.version.split()[0]})\n")
        for name, check in _checks(work):
            try:
                result = CheckResult(name, True, check())
            except Exception as exc:  # any failure is reported, never a traceback dump
                detail = (
                    str(exc) if isinstance(exc, CheckFailed) else f"{type(exc).__name__}: {exc}"
                )
                result = CheckResult(name, False, detail)
            results.append(result)
            stream.write(f"{'ok  ' if result.ok else 'FAIL'} {name}: {result.detail}\n")
            stream.flush()
        if previous_home is None:
            os.environ.pop("VIDGEN_HOME", None)
        else:
            os.environ["VIDGEN_HOME"] = previous_home
    failed = [r for r in results if not r.ok]
    elapsed = time.perf_counter() - started
    if failed:
        reason = "; ".join(f"{r.name}: {r.detail}" for r in failed)
        stream.write(f"self-test FAILED ({len(failed)} of {len(results)} checks): {reason}\n")
    else:
        stream.write(f"self-test passed: {len(results)} checks in {elapsed:.2f} s\n")
    stream.flush()
    if report_file is not None:
        stream.close()
    return 1 if failed else 0
