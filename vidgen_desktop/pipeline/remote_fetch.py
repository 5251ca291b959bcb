"""A missing model file fetched by ComfyUI-Manager on the server's own machine, for a ComfyUI
whose folders are not on this one: queued, followed until the Manager is idle, then proved by
the server listing the file (V3 reports results only over its WebSocket, so the listing is the
one answer both versions give)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vidgen_desktop.comfy import manager as mgr
from vidgen_desktop.comfy.model_folders import list_folder
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import ServerError
from vidgen_desktop.core.progress import Progress, ProgressCallback

if TYPE_CHECKING:
    from vidgen_desktop.comfy.client import ComfyClient


def fetch_on_server(
    client: ComfyClient,
    manager: mgr.Manager,
    *,
    folder: str,
    file: str,
    url: str,
    report: ProgressCallback,
    token: CancelToken,
    poll_s: float = 1.0,
) -> str:
    report(Progress(None, f"Asking ComfyUI-Manager {manager.version} on the server for {file}…"))
    ui_id = mgr.queue_model(client, manager, folder=folder, file=file, url=url)

    def on_status(s: mgr.QueueStatus) -> None:
        report(
            Progress(
                None,
                f"ComfyUI-Manager is downloading on the server ({s.done_count} of "
                f"{max(s.total_count, 1)} done)…",
            )
        )

    mgr.wait_for(client, manager, ui_id, token, on_status, poll_s=poll_s)
    client.refresh()
    if not any(item.name == file for item in list_folder(client, folder)):
        raise ServerError(
            f"ComfyUI-Manager finished, but the server does not list {file} in {folder}.",
            hint="Look at ComfyUI's log on that machine (the Manager writes why there), or put "
            "the file there by hand.",
        )
    report(Progress(1.0, f"{file} is on the server."))
    return file


__all__ = ["fetch_on_server"]
