"""Regenerate the tiny MP4 fixtures the fake ComfyUI serves as a Video stage's output.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/voice_video/make_fixtures.py

Qt's own FFmpeg-backed encoder (QMediaRecorder fed by QVideoFrameInput, plus QAudioBufferInput for
the version with sound) writes them, so they are real MPEG-4 files a QMediaPlayer can open:
- talking_with_sound.mp4: 2 s, 160x96 at 16 fps, a sweeping bar + a 220 Hz AAC tone
- talking_mute.mp4: the same picture, no audio track (a workflow that forgot the speech)
Both stay well under 100 KB so they can live in the repository.
"""

from __future__ import annotations

import math
import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"


def make_mp4(path: Path, *, seconds: float = 2.0, fps: int = 16, size: tuple[int, int] = (160, 96),
             with_audio: bool = True, timeout_ms: int = 20000) -> Path:
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
    # No format up front: the input takes it from the first frame (with a preset format Qt 6.11
    # never reports readyToSendVideoFrame). The frames' start/end times set the rate.
    frame_input = QVideoFrameInput()
    session = QMediaCaptureSession()
    session.setVideoFrameInput(frame_input)
    audio_input = None
    rate = 16000
    if with_audio:
        audio_format = QAudioFormat()
        audio_format.setSampleRate(rate)
        audio_format.setChannelCount(1)
        audio_format.setSampleFormat(QAudioFormat.SampleFormat.Int16)
        audio_input = QAudioBufferInput()  # like the video input: format from the first buffer
        session.setAudioBufferInput(audio_input)
    recorder = QMediaRecorder()
    session.setRecorder(recorder)
    media_format = QMediaFormat(QMediaFormat.FileFormat.MPEG4)
    media_format.setVideoCodec(QMediaFormat.VideoCodec.MPEG4)
    if with_audio:
        media_format.setAudioCodec(QMediaFormat.AudioCodec.AAC)
        recorder.setAudioBitRate(24000)
    recorder.setMediaFormat(media_format)
    recorder.setQuality(QMediaRecorder.Quality.LowQuality)
    recorder.setVideoBitRate(60000)
    recorder.setOutputLocation(QUrl.fromLocalFile(str(path)))
    sent = {"video": 0, "audio": 0}
    audio_chunks = int(seconds * 10)  # 100 ms per buffer
    loop = QEventLoop()
    errors: list[str] = []

    def maybe_stop() -> None:
        done_audio = audio_input is None or sent["audio"] >= audio_chunks
        if sent["video"] >= total and done_audio and \
                recorder.recorderState() == QMediaRecorder.RecorderState.RecordingState:
            recorder.stop()

    def send_video() -> None:
        while sent["video"] < total:
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
                return
            sent["video"] += 1
        maybe_stop()

    def send_audio() -> None:
        n = rate // 10
        while audio_input is not None and sent["audio"] < audio_chunks:
            k = sent["audio"]
            samples = b"".join(struct.pack("<h", int(12000 * math.sin(2 * math.pi * 220 * (k * n + j) / rate)))
                               for j in range(n))
            buffer = QAudioBuffer(samples, audio_format, k * 100_000)
            if not audio_input.sendAudioBuffer(buffer):
                return
            sent["audio"] += 1
        maybe_stop()

    def state(s: QMediaRecorder.RecorderState) -> None:
        if s == QMediaRecorder.RecorderState.StoppedState:
            loop.quit()

    frame_input.readyToSendVideoFrame.connect(send_video)
    if audio_input is not None:
        audio_input.readyToSendAudioBuffer.connect(send_audio)
    recorder.recorderStateChanged.connect(state)
    recorder.errorOccurred.connect(lambda _e, msg: (errors.append(msg), loop.quit()))
    recorder.record()
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    if errors or not path.exists() or path.stat().st_size == 0:
        raise RuntimeError(f"could not make {path.name}: {errors}")
    return path


def main() -> int:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv)  # noqa: F841 - multimedia needs it
    FIXTURES.mkdir(exist_ok=True)
    for name, audio in (("talking_with_sound.mp4", True), ("talking_mute.mp4", False)):
        path = make_mp4(FIXTURES / name, with_audio=audio)
        print(f"{path} {path.stat().st_size} bytes")  # noqa: T201 - a developer script
    return 0


if __name__ == "__main__":
    sys.exit(main())
