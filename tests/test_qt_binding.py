"""Guard against a Qt binding build that corrupts the interpreter.

PySide6 6.12.0 on Python 3.11 drops one reference to None per call of a void Qt method; a few
thousand paints or status updates later the process dies with "deallocating None". We pin a
version without that bug; this test fails if a future pin brings it back.
"""

from __future__ import annotations

import sys

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel


def test_void_qt_calls_do_not_leak_none_references(qtbot):
    colour = QColor(1, 2, 3)
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for i in range(500):
        colour.setRed(i % 255)
        label.setText("x")
    after = sys.getrefcount(None)
    # Other code may take or drop a handful of references meanwhile; 1000 void calls must not.
    assert after - before > -50
