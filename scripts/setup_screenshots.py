"""Screenshots of Help › Set-up… against fake servers: a machine missing the Wan VAE (one file
downloading), a misfit SDXL checkpoint, and a remote server whose folders are elsewhere.

    QT_QPA_PLATFORM=offscreen python scripts/setup_screenshots.py OUT_DIR
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

HOME = Path(tempfile.mkdtemp(prefix="vidgen-setup-shots-"))
os.environ["VIDGEN_HOME"] = str(HOME / "home")
os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)

from PySide6.QtWidgets import QApplication  # noqa: E402


def spin(ms: int) -> None:
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.01)


def until(cond, ms: int = 20000) -> None:
    end = time.monotonic() + ms / 1000
    while not cond():
        if time.monotonic() > end:
            raise TimeoutError("screenshot scene did not settle")
        spin(20)


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "shots")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    from tests.fakes import model_files as mf
    from tests.fakes.fake_comfy import FakeComfy
    from tests.fakes.fake_ollama import FakeOllama
    from tests.fakes.file_server import FileServer
    from tests.fakes.shipped_models import install_shipped_models
    from tests.voice_video.conftest import write_settings
    from vidgen_desktop.app import build_window

    comfy, ollama, hub = FakeComfy("0.25"), FakeOllama(), FileServer()
    comfy.model_root = HOME / "ComfyUI" / "models"
    install_shipped_models(
        comfy.model_root, skip=("wan_2.1_vae.safetensors", "sd_xl_base_1.0.safetensors")
    )
    mf.write_safetensors(
        comfy.model_root / "checkpoints" / "sd_xl_base_1.0.safetensors", mf.sd15_checkpoint()
    )
    mf.write_safetensors(
        comfy.model_root / "checkpoints" / "juggernaut_xl.safetensors", mf.sdxl_checkpoint()
    )
    hub.add(
        "/Comfy-Org/Wan_2.2_ComfyUI_Repackaged/resolve/main/split_files/vae/"
        "wan_2.1_vae.safetensors",
        os.urandom(64 * 1024 * 1024),
    )
    write_settings(
        HOME / "home", ollama_url=ollama.url, comfyui_url=comfy.url, download_mirror=hub.url
    )
    saved = []
    win = build_window()
    win.resize(1280, 800)
    win.show()
    try:
        for size, tag in (((960, 720), "1280x800"), ((1500, 960), "1920x1080")):
            win.setup_action.trigger()
            dialog = win.setup_dialog
            dialog.resize(*size)
            until(lambda d=dialog: d.report is not None)
            spin(300)
            saved.append(out / f"setup-{tag}-top.png")
            dialog.grab().save(str(saved[-1]))
            row = next(r for r in dialog.rows if r.file == "wan_2.1_vae.safetensors")
            dialog.page.ensureWidgetVisible(row, 0, 200)
            spin(200)
            saved.append(out / f"setup-{tag}-missing.png")
            dialog.grab().save(str(saved[-1]))
            if tag == "1280x800":
                row.toggle()
                until(lambda r=row: "MB/s" in r.status.text() or "Complete" in r.status.text())
                spin(100)
                saved.append(out / f"setup-{tag}-downloading.png")
                dialog.grab().save(str(saved[-1]))
                until(
                    lambda d=dialog: (
                        "Ready" in d.summary.text()
                        or "Not ready" in d.summary.text()
                        and not d.runner.is_running()
                    ),
                    30000,
                )
            dialog.page.verticalScrollBar().setValue(dialog.page.verticalScrollBar().maximum())
            spin(200)
            saved.append(out / f"setup-{tag}-bottom.png")
            dialog.grab().save(str(saved[-1]))
            dialog.close()
            spin(200)
            (comfy.model_root / "vae" / "wan_2.1_vae.safetensors").unlink(missing_ok=True)
        comfy.paths_seen_as = "/srv/other-pc/ComfyUI"
        win.setup_action.trigger()
        dialog = win.setup_dialog
        until(lambda: dialog.report is not None)
        row = next(r for r in dialog.rows if r.file == "wan_2.1_vae.safetensors")
        dialog.page.ensureWidgetVisible(row, 0, 200)
        spin(300)
        saved.append(out / "setup-remote.png")
        dialog.grab().save(str(saved[-1]))
        dialog.close()
    finally:
        win.close()
        win.context.close()
        comfy.stop()
        ollama.stop()
        hub.stop()
    print("\n".join(str(p) for p in saved))
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
