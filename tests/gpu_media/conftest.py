"""Fixtures for the GPU / hand-off / media-widget tests: loopback fakes and generated media."""

from __future__ import annotations

import math
import socket
import struct
import wave
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.gpu_media.fake_gpu_servers import FakeComfy, FakeOllama, FakeServer, RequestLog


@pytest.fixture
def request_log() -> RequestLog:
    return RequestLog()


@pytest.fixture
def serve() -> Iterator[Callable[[object], FakeServer]]:
    """Start fakes; all are shut down at teardown."""
    started: list[FakeServer] = []

    def start(app: object) -> FakeServer:
        srv = FakeServer(app).__enter__()
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.__exit__(None, None, None)


@pytest.fixture
def dead_url() -> str:
    """A loopback URL where nothing listens (connection refused at once)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def make_ollama(request_log, serve):
    def make(**kw) -> tuple[FakeOllama, str]:
        fake = FakeOllama(request_log, **kw)
        return fake, serve(fake).url

    return make


@pytest.fixture
def make_comfy(request_log, serve):
    def make(**kw) -> tuple[FakeComfy, str]:
        fake = FakeComfy(request_log, **kw)
        return fake, serve(fake).url

    return make


def write_tone_wav(path: Path, seconds: float, rate: int = 16000, freq: float = 220.0) -> Path:
    """A mono 16-bit tone whose loudness swells, so its waveform has a visible shape."""
    n = int(seconds * rate)
    frames = bytearray()
    for i in range(n):
        env = 0.2 + 0.8 * abs(math.sin(math.pi * i / n * 3))
        frames += struct.pack("<h", int(32000 * env * math.sin(2 * math.pi * freq * i / rate)))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return path


@pytest.fixture
def tone_wav(tmp_path) -> Path:
    return write_tone_wav(tmp_path / "take one.wav", 1.5)


def make_test_mp4(path: Path, seconds: float = 1.0, fps: int = 16, size: tuple[int, int] = (160, 96)) -> Path:
    """An MPEG-4 file made by Qt's own encoder (QMediaRecorder + QVideoFrameInput): a colour bar
    sweeping across, so frames differ. Must run in the GUI thread with a QApplication.

    Under heavy CPU load Qt's encoder now and then drops the first frames or stalls (about 1 run
    in 12 here); such a file is detected by its header duration and made again."""
    from vidgen_desktop.core.media_info import duration_seconds

    for _attempt in range(4):
        path.unlink(missing_ok=True)
        _record_mp4(path, seconds, fps, size)
        got = duration_seconds(path) if path.exists() else None
        if got is not None and abs(got - int(seconds * fps) / fps) < 0.01:
            return path
    raise RuntimeError(f"could not make a complete test MP4 at {path}")


def _record_mp4(path: Path, seconds: float, fps: int, size: tuple[int, int], timeout_ms: int = 20000) -> None:
    from PySide6.QtCore import QEventLoop, QTimer, QUrl
    from PySide6.QtGui import QColor, QImage, QPainter
    from PySide6.QtMultimedia import (
        QMediaCaptureSession,
        QMediaFormat,
        QMediaRecorder,
        QVideoFrame,
        QVideoFrameInput,
    )

    w, h = size
    total = int(seconds * fps)
    # No format up front: the input takes it from the first frame. (With a QVideoFrameFormat given,
    # Qt 6.11 never reports readyToSendVideoFrame and every send fails.) Frame times set the rate.
    frame_input = QVideoFrameInput()
    session = QMediaCaptureSession()
    session.setVideoFrameInput(frame_input)
    recorder = QMediaRecorder()
    session.setRecorder(recorder)
    media_format = QMediaFormat(QMediaFormat.FileFormat.MPEG4)
    media_format.setVideoCodec(QMediaFormat.VideoCodec.MPEG4)
    recorder.setMediaFormat(media_format)
    recorder.setQuality(QMediaRecorder.Quality.HighQuality)
    recorder.setOutputLocation(QUrl.fromLocalFile(str(path)))
    sent = [0]
    loop = QEventLoop()

    def send() -> None:
        # frames sent before the encoder is up are dropped (seen under CPU load): wait for it
        if recorder.recorderState() != QMediaRecorder.RecorderState.RecordingState:
            return
        while sent[0] < total:
            i = sent[0]
            img = QImage(w, h, QImage.Format.Format_ARGB32)
            img.fill(QColor(20, 30, 60))
            p = QPainter(img)
            p.fillRect(int(i * w / total), 0, max(8, w // 8), h, QColor(240, 180, 40))
            p.end()
            frame = QVideoFrame(img)
            frame.setStartTime(int(i * 1_000_000 / fps))
            frame.setEndTime(int((i + 1) * 1_000_000 / fps))
            if not frame_input.sendVideoFrame(frame):
                return  # wait for readyToSendVideoFrame
            sent[0] += 1
        maybe_stop()

    def maybe_stop(*_args) -> None:
        # stop only once the encoder has taken every frame: stopping earlier truncates the file
        last_frame_ms = (total - 1) * 1000 // fps
        if (sent[0] >= total and recorder.duration() >= last_frame_ms
                and recorder.recorderState() == QMediaRecorder.RecorderState.RecordingState):
            recorder.stop()

    def state(s: QMediaRecorder.RecorderState) -> None:
        if s == QMediaRecorder.RecorderState.RecordingState:
            send()
        elif s == QMediaRecorder.RecorderState.StoppedState:
            loop.quit()

    frame_input.readyToSendVideoFrame.connect(send)
    recorder.durationChanged.connect(maybe_stop)
    recorder.recorderStateChanged.connect(state)
    recorder.errorOccurred.connect(lambda *_: loop.quit())
    # a stall shows as no progress (frames taken, encoded duration) for 1.5 s; slow is fine
    progress = [(-1, -1)]
    watchdog = QTimer()
    watchdog.setInterval(1500)

    def check() -> None:
        now = (sent[0], recorder.duration())
        if now == progress[0]:
            loop.quit()
        progress[0] = now

    watchdog.timeout.connect(check)
    watchdog.start()
    recorder.record()
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    watchdog.stop()
    if recorder.recorderState() != QMediaRecorder.RecorderState.StoppedState:
        # stalled: finish the file anyway (the caller checks it and tries again)
        recorder.stop()
        QTimer.singleShot(2000, loop.quit)
        loop.exec()


@pytest.fixture
def keep(qtbot):
    """Hold widgets strongly until teardown, then shutdown() (waits for their worker threads) and
    close them. qtbot.addWidget keeps only a weak reference, so a widget whose test returned could be
    deleted with a worker still running ("QThread: Destroyed while thread is still running")."""
    held: list = []

    def hold(widget):
        held.append(widget)
        return widget

    yield hold
    for w in held:
        w.shutdown()
        w.close()
        w.deleteLater()
    qtbot.wait(10)
