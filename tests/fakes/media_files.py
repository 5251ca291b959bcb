"""Real media files for tests and fixtures: tone WAVs (stdlib `wave`) and MP4s made by Qt's own
FFmpeg-backed encoder (QMediaRecorder fed by QVideoFrameInput, optionally QAudioBufferInput), so a
QMediaPlayer can open them. One maker serves the media-widget tests and the Video stage tests (made per session, not committed).
"""

from __future__ import annotations

import io
import math
import socket
import struct
import wave
from pathlib import Path


def dead_loopback_url() -> str:
    """A loopback URL where nothing listens (connection refused at once)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"


def tone_wav_bytes(
    seconds: float, rate: int = 16000, freq: float = 220.0, *, peak: int = 32000, floor: float = 0.2
) -> bytes:
    """A mono 16-bit tone whose loudness swells (floor..1 × peak), so its waveform has a shape."""
    n = int(seconds * rate)
    frames = b"".join(
        struct.pack(
            "<h",
            int(
                peak
                * (floor + (1 - floor) * abs(math.sin(3 * math.pi * i / n)))
                * math.sin(2 * math.pi * freq * i / rate)
            ),
        )
        for i in range(n)
    )
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return buf.getvalue()


def write_tone_wav(path: Path, seconds: float, rate: int = 16000, freq: float = 220.0) -> Path:
    path.write_bytes(tone_wav_bytes(seconds, rate, freq))
    return path


def make_test_mp4(
    path: Path,
    seconds: float = 1.0,
    fps: int = 16,
    size: tuple[int, int] = (160, 96),
    *,
    with_audio: bool = False,
    small: bool = False,
) -> Path:
    """An MPEG-4 file with a colour bar sweeping across (frames differ), plus a 220 Hz AAC tone
    when `with_audio`; `small` trades quality for a file that fits in the repository. Must run in
    the GUI thread with a QApplication.

    Under heavy CPU load Qt's encoder now and then drops the first frames or stalls (about 1 run
    in 12 here); such a file is detected by its header duration and made again."""
    from vidgen_desktop.core.media_info import duration_seconds

    expected = int(seconds * fps) / fps
    for _attempt in range(4):
        path.unlink(missing_ok=True)
        _record_mp4(path, seconds, fps, size, with_audio, small)
        got = duration_seconds(path) if path.exists() else None
        # AAC priming may make the audio track a little longer than the picture; never shorter
        if got is not None and (expected - 0.01 <= got < expected + (0.1 if with_audio else 0.01)):
            return path
    raise RuntimeError(f"could not make a complete test MP4 at {path}")


def _record_mp4(
    path: Path,
    seconds: float,
    fps: int,
    size: tuple[int, int],
    with_audio: bool,
    small: bool,
    timeout_ms: int = 20000,
) -> None:
    from PySide6.QtCore import QEventLoop, QTimer, QUrl
    from PySide6.QtGui import QColor, QImage, QPainter
    from PySide6.QtMultimedia import (
        QAudioBuffer,
        QAudioBufferInput,
        QAudioFormat,
        QMediaCaptureSession,
        QMediaFormat,
        QMediaRecorder,
        QVideoFrame,
        QVideoFrameInput,
    )

    w, h = size
    total = int(seconds * fps)
    # No format up front: the inputs take it from the first frame/buffer. (With a format given,
    # Qt 6.11 never reports readyToSendVideoFrame and every send fails.) Frame times set the rate.
    frame_input = QVideoFrameInput()
    session = QMediaCaptureSession()
    session.setVideoFrameInput(frame_input)
    audio_input = QAudioBufferInput() if with_audio else None
    rate = 16000
    audio_format = QAudioFormat()
    audio_format.setSampleRate(rate)
    audio_format.setChannelCount(1)
    audio_format.setSampleFormat(QAudioFormat.SampleFormat.Int16)
    if audio_input is not None:
        session.setAudioBufferInput(audio_input)
    recorder = QMediaRecorder()
    session.setRecorder(recorder)
    media_format = QMediaFormat(QMediaFormat.FileFormat.MPEG4)
    media_format.setVideoCodec(QMediaFormat.VideoCodec.MPEG4)
    if audio_input is not None:
        media_format.setAudioCodec(QMediaFormat.AudioCodec.AAC)
        recorder.setAudioBitRate(24000)
    recorder.setMediaFormat(media_format)
    if small:
        recorder.setQuality(QMediaRecorder.Quality.LowQuality)
        recorder.setVideoBitRate(60000)
    else:
        recorder.setQuality(QMediaRecorder.Quality.HighQuality)
    recorder.setOutputLocation(QUrl.fromLocalFile(str(path)))
    sent = {"video": 0, "audio": 0}
    audio_chunks = int(seconds * 10) if audio_input is not None else 0  # 100 ms per buffer
    loop = QEventLoop()

    def recording() -> bool:
        # frames sent before the encoder is up are dropped (seen under CPU load): wait for it
        return recorder.recorderState() == QMediaRecorder.RecorderState.RecordingState

    def send_video() -> None:
        while recording() and sent["video"] < total:
            i = sent["video"]
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
            sent["video"] += 1
        maybe_stop()

    def send_audio() -> None:
        n = rate // 10
        while audio_input is not None and recording() and sent["audio"] < audio_chunks:
            k = sent["audio"]
            samples = b"".join(
                struct.pack("<h", int(12000 * math.sin(2 * math.pi * 220 * (k * n + j) / rate)))
                for j in range(n)
            )
            if not audio_input.sendAudioBuffer(QAudioBuffer(samples, audio_format, k * 100_000)):
                return
            sent["audio"] += 1
        maybe_stop()

    def maybe_stop(*_args) -> None:
        # stop only once the encoder has taken every frame: stopping earlier truncates the file
        last_frame_ms = (total - 1) * 1000 // fps
        if (
            sent["video"] >= total
            and sent["audio"] >= audio_chunks
            and recorder.duration() >= last_frame_ms
            and recording()
        ):
            recorder.stop()

    def state(s: QMediaRecorder.RecorderState) -> None:
        if s == QMediaRecorder.RecorderState.RecordingState:
            send_video()
            send_audio()
        elif s == QMediaRecorder.RecorderState.StoppedState:
            loop.quit()

    frame_input.readyToSendVideoFrame.connect(send_video)
    if audio_input is not None:
        audio_input.readyToSendAudioBuffer.connect(send_audio)
    recorder.durationChanged.connect(maybe_stop)
    recorder.recorderStateChanged.connect(state)
    recorder.errorOccurred.connect(lambda *_: loop.quit())
    # a stall shows as no progress (frames taken, encoded duration) for 1.5 s; slow is fine
    progress = [(-1, -1, -1)]
    watchdog = QTimer()
    watchdog.setInterval(1500)

    def check() -> None:
        now = (sent["video"], sent["audio"], recorder.duration())
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
