"""Several ComfyUI servers: which machine each one is on, how each one is doing, and which one
the next job goes to.

Shared by the window (its Servers panel, its automatic stages) and the CLI (`vidgen batch`).
Everything here may touch the network or resolve names: call it from a worker or the CLI.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from vidgen_desktop.comfy import ComfyClient
from vidgen_desktop.core.errors import VidGenError
from vidgen_desktop.core.settings import Settings
from vidgen_desktop.gpu.machines import insecure_warning
from vidgen_desktop.workflow import Stage, Workflow, availability, shipped_workflows

log = logging.getLogger(__name__)

HEALTH_TIMEOUT_S = 3.0


def client_for(settings: Settings, url: str, *, timeout: float = 10.0) -> ComfyClient:
    """A client for one of the user's servers, with its proxy header and re-attach window."""
    return ComfyClient(
        url,
        timeout=timeout,
        headers=settings.auth_headers(url),
        reattach_window_s=settings.reattach_window_s,
    )


# ---- health ---------------------------------------------------------------------------------------
@dataclass
class ServerHealth:
    url: str
    name: str
    reachable: bool
    version: str = ""
    device: str = ""
    vram_total: int = 0
    vram_free: int = 0
    queue: int = 0
    max_upload_size: int | None = None
    #: stage → the shipped workflows this server can run
    can_run: dict[str, list[str]] = field(default_factory=dict)
    #: stage → why it can run none of them (the first workflow's problems)
    cannot_run: dict[str, str] = field(default_factory=dict)
    error: str = ""
    warning: str = ""

    def runs(self, stage: str, workflow: str | None = None) -> bool:
        names = self.can_run.get(stage, [])
        return self.reachable and (bool(names) if workflow is None else workflow in names)


def check_health(
    client: ComfyClient,
    name: str,
    stages: Iterable[str] = ("image", "voice", "video"),
    extra: dict[str, Workflow] | None = None,
) -> ServerHealth:
    """One server's state and what it can run (the shipped workflows and the user's own choice
    per stage, `extra`); never raises for a server that is down."""
    health = ServerHealth(client.base_url, name, False, warning=insecure_warning(client.base_url))
    try:
        stats = client.system_stats()
        health.queue = client.queue_remaining()
        health.max_upload_size = client.features().max_upload_size
        info = client.object_info()
    except VidGenError as exc:
        health.error = exc.message
        return health
    health.reachable = True
    health.version = stats.system.comfyui_version
    dev = stats.primary
    if dev is not None:
        health.device, health.vram_total, health.vram_free = dev.name, dev.vram_total, dev.vram_free
    for stage in stages:
        own = [extra[stage]] if extra and stage in extra else []
        shipped = [w for w in shipped_workflows(stage=Stage(stage)) if w not in own]
        avail = availability([*own, *shipped], info)
        health.can_run[stage] = [a.workflow.name for a in avail if a.usable]
        if not health.can_run[stage] and avail:
            first = avail[0]
            health.cannot_run[stage] = (
                f"{first.workflow.name}: " + " ".join(p.message for p in first.problems[:2])
                if first.problems
                else f"{first.workflow.name} cannot run here"
            )
    return health


def check_all(
    settings: Settings,
    stages: Iterable[str] = ("image", "voice", "video"),
    extra: dict[str, Workflow] | None = None,
) -> list[ServerHealth]:
    """Every enabled server, asked at once (a slow one does not hold up the others)."""
    from concurrent.futures import ThreadPoolExecutor

    entries = settings.comfy_servers()
    stage_list = list(stages)

    def one(entry) -> ServerHealth:
        client = client_for(settings, entry.url, timeout=HEALTH_TIMEOUT_S)
        try:
            return check_health(client, entry.label(), stage_list, extra)
        finally:
            client.close()

    with ThreadPoolExecutor(max_workers=max(1, len(entries))) as pool:
        return list(pool.map(one, entries))


# ---- choosing --------------------------------------------------------------------------------------
def pick_server(
    healths: list[ServerHealth],
    stage: str,
    workflow: str | None = None,
    *,
    load: dict[str, int] | None = None,
    exclude: Iterable[str] = (),
) -> ServerHealth | None:
    """A healthy server that can run the workflow, the idlest first (our own jobs waiting for it
    plus its queue), in the user's order on a tie; None when none can."""
    skip = {u.rstrip("/") for u in exclude}
    load = load or {}
    able = [
        h
        for h in healths
        if h.url.rstrip("/") not in skip and h.runs(stage, workflow if workflow else None)
    ]
    if not able:
        return None
    order = {h.url: i for i, h in enumerate(healths)}
    return min(able, key=lambda h: (load.get(h.url, 0) + h.queue, order[h.url]))
