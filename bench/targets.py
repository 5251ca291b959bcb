"""One way for every benchmark to report a number against its target: the line says, in words,
whether the target was met, and run_all.py lists every miss at the end.

    verdict("idle RSS", 113.2, 120, "MB")  ->  "idle RSS: 113.2 MB (target ≤ 120 MB): met"
"""

from __future__ import annotations

MET, MISSED = "met", "MISSED"


def verdict(
    what: str,
    value: float,
    target: float,
    unit: str = "",
    *,
    at_least: bool = False,
    detail: str = "",
) -> str:
    """A report line; `at_least` for targets that are floors (a speed-up), else ceilings."""
    ok = value >= target if at_least else value <= target
    sign = "≥" if at_least else "≤"
    space = " " if unit and unit != "×" else ""
    extra = f"; {detail}" if detail else ""
    return (
        f"{what}: {value:.3g}{space}{unit} (target {sign} {target:g}{space}{unit}{extra}): "
        f"{MET if ok else MISSED}"
    )
