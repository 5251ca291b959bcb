"""Garbage is collected on the GUI thread only (ui.gui_collector): a worker that allocates
never runs a collection that could free a widget there."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QObject

from vidgen_desktop.ui.gui_collector import GuiThreadCollector, install_gui_collector


def test_the_window_turns_automatic_collection_off_and_collects_on_its_own_thread(qtbot, qapp):
    gc.enable()
    collector = install_gui_collector()
    assert collector is not None and not gc.isenabled()
    assert install_gui_collector() is collector  # once per application
    assert collector.timer.isActive()

    # a worker allocating thousands of cycles triggers no collection on its thread
    freed_before = gc.get_stats()[0]["collected"]

    def churn() -> None:
        for _ in range(20000):
            a: list = []
            a.append(a)

    worker = threading.Thread(target=churn)
    worker.start()
    worker.join()
    assert gc.get_stats()[0]["collected"] == freed_before
    assert gc.get_count()[0] > gc.get_threshold()[0]

    # the GUI thread's timer collects them, and cycles holding Qt objects with them
    class Holder(QObject):
        pass

    holder = Holder()
    holder.me = holder  # type: ignore[attr-defined]
    del holder
    qtbot.waitUntil(lambda: gc.get_count()[0] < gc.get_threshold()[0], timeout=3000)
    assert gc.get_stats()[0]["collected"] > freed_before


def test_a_due_generation_is_collected_and_nothing_when_none_is_due():
    gc.disable()  # as the window (and the test session) has it
    gc.collect()
    assert GuiThreadCollector.collect_due() == 0
    for _ in range(gc.get_threshold()[0] + 10):
        a: list = []
        a.append(a)
    assert GuiThreadCollector.collect_due() > 0
