"""Qt-free helpers: durations from headers, waveform peaks, speech-length warnings."""

from __future__ import annotations

import struct
import wave

import pytest

from tests.fakes.media_files import make_test_mp4, write_tone_wav
from vidgen_desktop.core.errors import InvalidInput
from vidgen_desktop.core.media_info import duration_seconds, media_kind
from vidgen_desktop.core.speech_timing import check_length, estimate_seconds, spoken_units
from vidgen_desktop.core.waveform import peaks_from_int16, wav_peaks


def test_wav_duration(tmp_path):
    assert duration_seconds(write_tone_wav(tmp_path / "a.wav", 2.25)) == pytest.approx(2.25)


def test_flac_duration_from_streaminfo(tmp_path):
    rate, total = 44100, 44100 * 3 + 22050
    bits = (rate << 44) | (1 << 41) | (15 << 36) | total  # rate, 2 channels, 16 bit, samples
    info = struct.pack(">HH", 4096, 4096) + b"\0" * 6 + bits.to_bytes(8, "big") + b"\0" * 16
    path = tmp_path / "song.flac"
    path.write_bytes(b"fLaC" + bytes([0x80]) + len(info).to_bytes(3, "big") + info)
    assert duration_seconds(path) == pytest.approx(3.5)


def test_mp4_duration_from_mvhd(qapp, tmp_path):
    path = make_test_mp4(tmp_path / "v.mp4", seconds=1.5)
    assert duration_seconds(path) == pytest.approx(1.5, abs=0.07)


def test_unknown_or_broken_files_have_no_duration(tmp_path):
    (tmp_path / "x.mp3").write_bytes(b"ID3")
    (tmp_path / "bad.wav").write_text("nope")
    (tmp_path / "bad.mp4").write_bytes(b"\0\0\0\x08free")
    assert duration_seconds(tmp_path / "x.mp3") is None
    assert duration_seconds(tmp_path / "bad.wav") is None
    assert duration_seconds(tmp_path / "bad.mp4") is None
    assert duration_seconds(tmp_path / "missing.flac") is None


def test_media_kind():
    assert media_kind("a/b.WAV") == "audio" and media_kind("v.mp4") == "video"
    assert media_kind("p.jpeg") == "image" and media_kind("notes.txt") is None


def test_peaks_follow_the_signal():
    samples = struct.pack("<4h", 0, 16384, -32768, 0) + struct.pack("<4h", 100, -100, 50, -50)
    peaks = peaks_from_int16(samples, 2)
    assert peaks[0] == (-1.0, pytest.approx(0.5, abs=0.01))
    assert peaks[1][1] < 0.01


@pytest.mark.parametrize("width", [1, 2, 3, 4])
def test_wav_peaks_for_every_pcm_width(tmp_path, width):
    path = tmp_path / f"w{width}.wav"
    full = {1: (255, 0), 2: (32767, -32768), 3: (2**23 - 1, -(2**23)), 4: (2**31 - 1, -(2**31))}[
        width
    ]
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(width)
        w.setframerate(8000)
        frames = b""
        for i in range(800):
            v = full[0] if i % 2 else full[1]
            raw = v.to_bytes(width, "little", signed=width > 1)
            frames += raw * 2
        w.writeframes(frames)
    peaks = wav_peaks(path, 10)
    assert len(peaks) == 10
    assert all(lo < -0.95 and hi > 0.95 for lo, hi in peaks)


def test_non_pcm_wav_is_invalid_input(tmp_path):
    path = tmp_path / "x.wav"
    path.write_text("not a wav")
    with pytest.raises(InvalidInput):
        wav_peaks(path, 10)


def test_section_tags_are_not_spoken():
    assert spoken_units("[verse]\nHello there, world! [pause] It's me.") == (5, 0)
    assert spoken_units("你好，世界") == (0, 4)
    assert estimate_seconds("one two three four five") == pytest.approx(2.0)


def test_too_long_text_warns_with_how_much_fits():
    text = " ".join(["word"] * 40)  # 16 s at 2.5 words/s
    check = check_length(text, 5)
    assert check.level == "warn"
    assert (
        "40 words would take about 16 s" in check.message and "about 12 words fit" in check.message
    )


def test_too_short_text_warns():
    check = check_length("Hello there.", 20)
    assert check.level == "warn" and "silence" in check.message


def test_fitting_text_is_ok_and_empty_text_is_flagged():
    assert check_length(" ".join(["word"] * 25), 10).level == "ok"
    assert check_length("  [intro]  ", 10).level == "empty"
