"""Waveform peaks: the min/max of the samples in each pixel column, for the take's picture.

Pure Python on purpose (no numpy): the slices are reduced with the C builtins min()/max(), which is
fast enough for minutes of audio in a worker thread. WAV is read with `wave`; other formats arrive
here as 16-bit PCM decoded by the Qt layer.
"""

from __future__ import annotations

import sys
import wave
from array import array
from pathlib import Path

from vidgen_desktop.core.errors import InvalidInput

Peaks = list[tuple[float, float]]  # per bucket (min, max), each in -1..1


def _to_int16(frames: bytes, sample_width: int) -> array:
    """Any PCM width to signed 16-bit by keeping each sample's top bytes (little-endian)."""
    if sample_width == 2:
        data = frames
    elif sample_width == 1:  # unsigned 8-bit
        data = bytes(b ^ 0x80 for b in frames)
        data = bytes(bytearray(x for b in data for x in (0, b)))
    elif sample_width in (3, 4):
        hi = frames[sample_width - 1 :: sample_width]
        lo = frames[sample_width - 2 :: sample_width]
        buf = bytearray(len(hi) * 2)
        buf[0::2], buf[1::2] = lo, hi
        data = bytes(buf)
    else:
        raise InvalidInput(f"Unsupported sample width: {sample_width * 8} bit.")
    samples = array("h")
    samples.frombytes(data[: len(data) // 2 * 2])
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def peaks_from_int16(samples: array | bytes, buckets: int, channels: int = 1) -> Peaks:
    """Split interleaved 16-bit samples into `buckets` columns; all channels share one envelope."""
    if isinstance(samples, bytes | bytearray):
        arr = array("h")
        arr.frombytes(bytes(samples[: len(samples) // 2 * 2]))
        if sys.byteorder == "big":
            arr.byteswap()
        samples = arr
    buckets = max(1, buckets)
    frames = len(samples) // max(1, channels)
    if frames == 0:
        return []
    out: Peaks = []
    for b in range(buckets):
        start = (b * frames // buckets) * channels
        end = max(start + channels, ((b + 1) * frames // buckets) * channels)
        chunk = samples[start:end]
        if not chunk:
            out.append((0.0, 0.0))
            continue
        out.append((min(chunk) / 32768.0, max(chunk) / 32767.0))
    return out


def wav_peaks(path: Path, buckets: int) -> Peaks:
    """Peaks of a PCM WAV file. InvalidInput when it is not a PCM WAV (float WAV, MP3, ...)."""
    try:
        with wave.open(str(path), "rb") as w:
            width, channels = w.getsampwidth(), w.getnchannels()
            frames = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as exc:
        raise InvalidInput(f"{Path(path).name} is not a PCM WAV file.", detail=str(exc)) from exc
    except OSError as exc:
        raise InvalidInput(f"Cannot read {Path(path).name}.", detail=str(exc)) from exc
    return peaks_from_int16(_to_int16(frames, width), buckets, channels)
