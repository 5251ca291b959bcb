"""The contract between a stage panel and the main window's stepper."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget


class StageStatus(Enum):
    locked = "locked"  # inputs missing; `reason` says which
    ready = "ready"  # can be generated / edited
    running = "running"
    done = "done"  # has a chosen result
    stale = "out of date"  # has a chosen result, made from inputs that changed since


@dataclass(frozen=True)
class StageState:
    status: StageStatus
    reason: str = ""


def stale_reason(changed: list[str], action: str) -> str:
    """ "Out of date: the text and the tags changed since …": what the stepper and notice say."""
    what = " and ".join([", ".join(changed[:-1]), changed[-1]] if len(changed) > 1 else changed)
    return (
        f"Out of date: {what} changed since the chosen take was made. Press {action} for a "
        "new take (this one is kept), or choose another take."
    )


class StagePanel(QWidget):
    """Base for Script/Voice/Image/Video panels."""

    #: emitted whenever stage_state() may have changed
    state_changed = Signal()
    #: the panel asks the window to show the next stage
    next_requested = Signal()

    key: str = ""
    title: str = ""

    def stage_state(self) -> StageState:
        raise NotImplementedError

    def is_busy(self) -> bool:
        return False

    def busy_description(self) -> str:
        """What would be lost by quitting now (for the close confirmation)."""
        return ""

    def start_primary(self) -> None:
        """Ctrl+Enter: the stage's primary action (Generate)."""

    def stop(self) -> None:
        """Esc: stop the running job (panels confirm long jobs themselves)."""

    def shutdown(self) -> None:
        """App exit: cancel and wait for workers."""
