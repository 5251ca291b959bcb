"""The one question quitting may ask: GPU work is running, keep it going on ComfyUI or stop it?

Keeping it is the default: hour three of a render is worth more than a quick exit, and the
project's ledger lets the next open pick the job up where it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from PySide6.QtWidgets import QMessageBox, QWidget

from vidgen_desktop.ui.job_queue import JobHandle

QuitAnswer = Literal["keep", "cancel", "stay"]
KEEP_TEXT = "Keep Running in ComfyUI"
CANCEL_TEXT = "Cancel Jobs and Quit"
STAY_TEXT = "Don't Quit"


def quit_text(jobs: Sequence[JobHandle], other: Sequence[str]) -> tuple[str, str]:
    """(the question, what each answer does) for these jobs."""
    lines = [f"• {job.describe()}" for job in jobs] + [f"• {what}" for what in other]
    question = "Still working:\n" + "\n".join(lines)
    said = []
    if jobs:
        said.append(
            "Keep running: ComfyUI goes on with the jobs it has; open this project again (or "
            "run `vidgen resume`) and their takes land in it."
        )
    if any(job.chunk is not None for job in jobs):
        said.append(
            "A video rendered chunk by chunk: the chunk in progress goes on, the chunks after "
            "it render when the project is opened again."
        )
    if any(job.waiting for job in jobs):
        said.append("A job still waiting for its turn has not been sent; it is not kept.")
    if other:
        said.append("Work that is not on ComfyUI (listed without a server) stops either way.")
    said.append("Cancel jobs: they stop on the server now and nothing is kept from them.")
    return question, "\n\n".join(said)


def ask_quit(parent: QWidget, jobs: Sequence[JobHandle], other: Sequence[str]) -> QuitAnswer:
    box = QMessageBox(parent)
    box.setObjectName("quit_dialog")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Quit while working?")
    question, said = quit_text(jobs, other)
    box.setText(question)
    box.setInformativeText(said)
    keep = box.addButton(KEEP_TEXT, QMessageBox.ButtonRole.AcceptRole) if jobs else None
    cancel = box.addButton(
        CANCEL_TEXT if jobs else "Stop and Quit", QMessageBox.ButtonRole.DestructiveRole
    )
    stay = box.addButton(STAY_TEXT, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep or stay)
    box.setEscapeButton(stay)
    box.exec()
    clicked = box.clickedButton()
    if keep is not None and clicked is keep:
        return "keep"
    if clicked is cancel:
        return "cancel"
    return "stay"
