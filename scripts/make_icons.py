"""Draw the VidGen Desktop app icon with QPainter and write every size platforms ask for.

Why a script: the icon is vector-drawn at each size (crisp at 16 px, not a downscale), and the
Windows .ico / macOS .icns containers are assembled here in pure Python so any machine can
regenerate them. Run: `QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/make_icons.py`.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QGuiApplication,
    QImage,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPen,
)

PNG_SIZES = (16, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 32, 48, 64, 128, 256)
# ICNS element types holding PNG data, by pixel size (Apple's documented OSTypes).
ICNS_TYPES = {16: b"icp4", 32: b"icp5", 64: b"icp6", 128: b"ic07", 256: b"ic08", 512: b"ic09"}


def draw_icon(size: int) -> QImage:
    """A rounded indigo→violet tile with a white play triangle and two sound-wave arcs."""
    img = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(Qt.GlobalColor.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = float(size)
    margin = s * 0.06
    tile = QRectF(margin, margin, s - 2 * margin, s - 2 * margin)
    grad = QLinearGradient(tile.topLeft(), tile.bottomRight())
    grad.setColorAt(0.0, QColor("#3949ab"))
    grad.setColorAt(1.0, QColor("#8e24aa"))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(grad))
    radius = tile.width() * 0.22
    p.drawRoundedRect(tile, radius, radius)

    # Play triangle, slightly left of centre to leave room for the waves.
    cx, cy = s * 0.44, s * 0.5
    h = s * 0.40
    tri = QPainterPath()
    tri.moveTo(QPointF(cx - h * 0.38, cy - h / 2))
    tri.lineTo(QPointF(cx + h * 0.48, cy))
    tri.lineTo(QPointF(cx - h * 0.38, cy + h / 2))
    tri.closeSubpath()
    p.setBrush(QColor("#ffffff"))
    p.drawPath(tri)

    # Sound waves: the narration. Skipped at 16 px where they would blur into the triangle.
    if size >= 32:
        pen = QPen(QColor(255, 255, 255, 220))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setWidthF(max(1.5, s * 0.045))
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        for r in (s * 0.20, s * 0.30):
            arc = QRectF(cx + s * 0.08 - r, cy - r, 2 * r, 2 * r)
            p.drawArc(arc, -40 * 16, 80 * 16)
    p.end()
    return img


def png_bytes(img: QImage) -> bytes:
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    if not img.save(buf, "PNG"):
        raise RuntimeError("PNG encoding failed")
    buf.close()
    return bytes(data.data())


def build_ico(pngs: dict[int, bytes]) -> bytes:
    """ICO with PNG-compressed entries (valid since Windows Vista, all sizes up to 256)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = 6 + 16 * len(sizes)
    entries, blobs = b"", b""
    for sz in sizes:
        blob = pngs[sz]
        dim = 0 if sz >= 256 else sz  # 0 means 256 in the ICO directory
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(blob), offset)
        offset += len(blob)
        blobs += blob
    return header + entries + blobs


def build_icns(pngs: dict[int, bytes]) -> bytes:
    body = b"".join(
        ICNS_TYPES[sz] + struct.pack(">I", 8 + len(blob)) + blob
        for sz, blob in sorted(pngs.items())
        if sz in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main(out_dir: Path) -> int:
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    out_dir.mkdir(parents=True, exist_ok=True)
    pngs = {size: png_bytes(draw_icon(size)) for size in PNG_SIZES}
    for size, blob in pngs.items():
        (out_dir / f"vidgen-{size}.png").write_bytes(blob)
    (out_dir / "vidgen.ico").write_bytes(build_ico({s: pngs[s] for s in ICO_SIZES}))
    (out_dir / "vidgen.icns").write_bytes(build_icns(pngs))
    print(f"wrote {len(pngs)} PNGs, vidgen.ico and vidgen.icns to {out_dir}")
    return 0


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else root / "resources" / "icons"))
