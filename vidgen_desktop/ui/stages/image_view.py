"""The Image stage's output view: the picture scaled to fit (aspect kept, smooth), a caption, and
a message when there is nothing to show yet.

Decoding a file is disk I/O, so `load_image` runs in a worker (QImage is safe off the GUI thread);
the GUI thread only turns the decoded QImage into a pixmap and paints it.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QImage, QImageReader, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from vidgen_desktop.core.errors import InvalidInput

log = logging.getLogger(__name__)

#: decoded images are kept at most this big on their long side (display only; files are untouched)
DISPLAY_MAX = 2048


def read_image(path: Path, max_side: int = DISPLAY_MAX) -> QImage:
    """Worker side: decode `path` by its content (not its name), scaled down for display.

    Raises InvalidInput when the file is not an image Qt can decode.
    """
    reader = QImageReader(str(path))
    reader.setDecideFormatFromContent(True)
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and max(size.width(), size.height()) > max_side:
        reader.setScaledSize(
            size.scaled(QSize(max_side, max_side), Qt.AspectRatioMode.KeepAspectRatio)
        )
    image = reader.read()
    if image.isNull():
        raise InvalidInput(
            f"{Path(path).name} is not an image this app can read ({reader.errorString()}).",
            hint="Use a PNG, JPEG or WebP file.",
        )
    return image


def probe_image(path: Path) -> tuple[int, int]:
    """Worker side: (width, height) of an image file, proven by decoding a small copy of it."""
    reader = QImageReader(str(path))
    reader.setDecideFormatFromContent(True)
    size = reader.size()
    if size.isValid():
        reader.setScaledSize(size.scaled(QSize(64, 64), Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        raise InvalidInput(
            f"{Path(path).name} is not an image this app can read ({reader.errorString()}).",
            hint="Use a PNG, JPEG or WebP file.",
        )
    return (size.width(), size.height()) if size.isValid() else (image.width(), image.height())


class ImageView(QWidget):
    """Paints one image scaled to fit; `set_message` shows text instead (empty or failed state)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("image_view")
        self.setMinimumSize(240, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, False)
        self._pixmap: QPixmap | None = None
        self._scaled: QPixmap | None = None
        self._message = ""
        self.source_size = QSize()
        #: "preview" while sampling, "take" for a saved image, "" when empty
        self.mode = ""

    # -- API ---------------------------------------------------------------------------------
    def set_image(self, image: QImage, mode: str = "take") -> None:
        self._pixmap = QPixmap.fromImage(image)
        self.source_size = image.size()
        self._scaled = None
        self._message = ""
        self.mode = mode
        self.update()

    def set_message(self, text: str) -> None:
        self._pixmap = None
        self._scaled = None
        self._message = text
        self.source_size = QSize()
        self.mode = ""
        self.update()

    def has_image(self) -> bool:
        return self._pixmap is not None

    def message(self) -> str:
        return self._message

    def displayed_rect(self) -> QRectF:
        """Where the image is painted (fit inside the widget, aspect kept, centred)."""
        if self._pixmap is None or self._pixmap.isNull():
            return QRectF()
        target = self._pixmap.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        x = (self.width() - target.width()) / 2
        y = (self.height() - target.height()) / 2
        return QRectF(x, y, target.width(), target.height())

    # -- painting ------------------------------------------------------------------------------
    def resizeEvent(self, event) -> None:
        self._scaled = None
        super().resizeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().alternateBase())
        if self._pixmap is None or self._pixmap.isNull():
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(
                self.rect().adjusted(24, 24, -24, -24),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self._message,
            )
            painter.end()
            return
        rect = self.displayed_rect()
        ratio = self.devicePixelRatioF()
        wanted = QSize(max(1, int(rect.width() * ratio)), max(1, int(rect.height() * ratio)))
        if self._scaled is None or self._scaled.size() != wanted:
            # Scale once per size with a smooth filter; repaints just blit the cached pixmap.
            self._scaled = self._pixmap.scaled(
                wanted,
                Qt.AspectRatioMode.IgnoreAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            self._scaled.setDevicePixelRatio(ratio)
        painter.drawPixmap(rect.topLeft(), self._scaled)
        painter.end()


class _Emitter(QObject):
    """Parentless sender owned by the loader's Python side: a decode that finishes after the panel
    is deleted emits here, and Qt has already cut the connection to the dead receiver."""

    loaded = Signal(object, object)
    failed = Signal(object, str)


class ImageLoader(QObject):
    """Decodes take images on one long-lived worker thread (no thread start per image: that cost
    5-7 ms of GUI time right when a job finishes). Results arrive as queued signals."""

    loaded = Signal(object, object)  # (path, QImage)
    failed = Signal(object, str)  # (path, message)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vidgen-image-load")
        self._lock = threading.Lock()
        self._pending = 0
        self._closed = False
        self._emitter = _Emitter()
        self._emitter.loaded.connect(self.loaded)
        self._emitter.failed.connect(self.failed)

    def load(self, path: Path) -> None:
        if self._closed:
            return
        with self._lock:
            self._pending += 1
        self._pool.submit(self._run, Path(path))

    def busy(self) -> bool:
        with self._lock:
            return self._pending > 0

    def _run(self, path: Path) -> None:
        result: tuple[Any, ...]
        try:
            image = read_image(path)
        except InvalidInput as exc:
            result = (self._emitter.failed, path, exc.message)
        except Exception as exc:  # a decoder crash must not kill the loader thread
            log.exception("decoding %s failed", path)
            result = (self._emitter.failed, path, str(exc))
        else:
            result = (self._emitter.loaded, path, image)
        with self._lock:
            self._pending -= 1
        if not self._closed:
            signal, *args = result
            signal.emit(*args)

    def shutdown(self) -> None:
        self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)
