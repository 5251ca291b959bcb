"""Does the text fit the target length? A words-per-second estimate of normal speech.

Why: a 40-word script for a 5 s clip gets rushed or cut, 5 words for 30 s leave silence; the user
should hear about it before spending minutes of GPU time. Rates are typical conversational speech
(English ~150 words/min; Chinese/Japanese ~4.5 characters/s), so only clear mismatches warn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WORDS_PER_SECOND = 2.5
CJK_CHARS_PER_SECOND = 4.5
#: estimates within [target * LOW, target * HIGH] are fine
TOO_SHORT_RATIO = 0.6
TOO_LONG_RATIO = 1.3

_TAG = re.compile(r"\[[^\]]*\]")  # [verse], [chorus], [pause]: structure, not speech
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)


@dataclass(frozen=True)
class TimingCheck:
    words: int
    cjk_chars: int
    estimated_s: float
    target_s: float
    level: str  # "ok" | "warn" | "empty"
    message: str


def spoken_units(text: str) -> tuple[int, int]:
    """(words, CJK characters) that will be spoken, ignoring [section] tags."""
    text = _TAG.sub(" ", text)
    cjk = len(_CJK.findall(text))
    words = len(_WORD.findall(_CJK.sub(" ", text)))
    return words, cjk


def estimate_seconds(text: str, wps: float = WORDS_PER_SECOND) -> float:
    words, cjk = spoken_units(text)
    return words / wps + cjk / CJK_CHARS_PER_SECOND


def check_length(text: str, target_s: float, wps: float = WORDS_PER_SECOND) -> TimingCheck:
    """A message for the Voice stage: fine, clearly too long, or clearly too short."""
    words, cjk = spoken_units(text)
    est = words / wps + cjk / CJK_CHARS_PER_SECOND
    if words + cjk == 0:
        return TimingCheck(0, 0, 0.0, target_s, "empty", "There is no text to speak.")
    n = words + cjk
    units = f"{n} word{'s' if n != 1 else ''}" if not cjk else f"{n} words/characters"
    if target_s > 0 and est > target_s * TOO_LONG_RATIO:
        fit = int(target_s * wps)
        msg = (
            f"{units} would take about {_secs(est)} s to say at a normal pace, but the target is "
            f"{target_s:.0f} s: shorten the text (about {fit} words fit) or raise the length."
        )
        return TimingCheck(words, cjk, est, target_s, "warn", msg)
    if target_s > 0 and est < target_s * TOO_SHORT_RATIO:
        msg = (
            f"{units} would take only about {_secs(est)} s to say, but the target is {target_s:.0f} s: "
            "expect silence or slow speech, or lower the length."
        )
        return TimingCheck(words, cjk, est, target_s, "warn", msg)
    return TimingCheck(words, cjk, est, target_s, "ok", f"{units} ≈ {_secs(est)} s of speech.")


def _secs(value: float) -> str:
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"
