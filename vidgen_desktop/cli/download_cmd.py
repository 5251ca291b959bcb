"""`vidgen download`: fetch the model files a workflow is missing (or one address) into the
right ComfyUI folder on this machine: the source address is printed first, what is left is
checked against the free disk space, a partial file continues where it stopped (run the same
command again after Ctrl+C or a dropped connection), and the SHA-256 is checked where known.
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path

from vidgen_desktop.cli.models_cmd import models_dir_of
from vidgen_desktop.cli.stage_common import StderrProgress, cancellable, settings_from
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import InvalidInput
from vidgen_desktop.core.progress import format_duration, format_transfer
from vidgen_desktop.modelfiles.catalog import user_header_cache
from vidgen_desktop.modelfiles.download import Downloader, Transfer, mirrored, target_in
from vidgen_desktop.pipeline.remote_fetch import fetch_on_server


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "download",
        help="download a workflow's missing model files (or one URL) into ComfyUI's folders",
        description="Resumable: run it again to continue a partial download.",
    )
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--workflow", metavar="NAME", help="a shipped workflow's file name or name")
    what.add_argument("--url", metavar="URL", help="one file's address")
    p.add_argument("--folder", metavar="F", help="with --url: the ComfyUI model folder")
    p.add_argument("--file", metavar="NAME", help="with --url: the file name (default: the URL's)")
    p.add_argument("--sha256", metavar="HEX", help="with --url: the expected SHA-256")
    p.add_argument("--comfyui", metavar="URL")
    p.add_argument("--models-dir", type=Path, metavar="DIR")
    p.add_argument("--mirror", metavar="URL", help="a mirror of the model hub (default: Settings)")
    p.set_defaults(func=run_download)


class TransferLine:
    """At most one line a second (and every phase change) on stderr."""

    def __init__(self) -> None:
        self.last_phase, self.last_at = "", 0.0

    def __call__(self, t: Transfer) -> None:
        import time

        now = time.monotonic()
        if t.phase == self.last_phase and now - self.last_at < 1.0:
            return
        self.last_phase, self.last_at = t.phase, now
        if t.phase == "downloading":
            speed = f" · {t.speed_bps / 1e6:.1f} MB/s" if t.speed_bps else ""
            line = f"  {format_transfer(t.done, t.total)}{speed} · {format_duration(t.eta_s)} left"
        else:
            line = {
                "checking": "  reading what arrived before…",
                "verifying": "  checking the SHA-256…",
                "done": "  complete",
            }.get(t.phase, t.phase)
        print(line, file=sys.stderr)


def run_download(args: argparse.Namespace) -> int:
    from vidgen_desktop.comfy.client import ComfyClient
    from vidgen_desktop.comfy.manager import detect
    from vidgen_desktop.modelfiles.catalog import catalog_for
    from vidgen_desktop.pipeline.setup_check import slot_findings
    from vidgen_desktop.workflow.preflight import preflight

    settings = settings_from(args)
    mirror = args.mirror if args.mirror is not None else settings.download_mirror
    client = ComfyClient(settings.comfyui_url)
    try:
        catalog = catalog_for(
            client, models_dir=models_dir_of(args, settings), cache=user_header_cache()
        )
        manager = None if catalog.local_dirs else detect(client)
        jobs: list[tuple[str, Path, str | None]] = []
        remote: list[tuple[str, str, str]] = []  # (folder, file, url) for the server's Manager
        if args.url:
            if not args.folder:
                raise InvalidInput("--url needs --folder (e.g. --folder loras).")
            dirs = catalog.local_dirs.get(args.folder)
            name = args.file or args.url.rsplit("/", 1)[-1].split("?")[0]
            if dirs:
                jobs.append((args.url, target_in(_pick(dirs, args.folder), name), args.sha256))
            elif manager is not None:
                remote.append((args.folder, name, args.url))
            else:
                raise InvalidInput(_not_here(args.folder))
        else:
            workflow = _workflow(args.workflow)
            findings = slot_findings(workflow, preflight(workflow, client.object_info()), catalog)
            for finding in findings:
                if finding.state != "missing" or finding.slot.optional and not finding.slot.url:
                    continue
                if not finding.slot.url or "/resolve/" not in finding.slot.url:
                    print(
                        f"{finding.slot.file}: no direct address; {finding.message}",
                        file=sys.stderr,
                    )
                    continue
                if not finding.target_dir:
                    if manager is None:
                        raise InvalidInput(_not_here(finding.slot.folder))
                    remote.append((finding.slot.folder, finding.slot.file, finding.slot.url))
                    continue
                sha = next(
                    (
                        m.sha256
                        for m in workflow.manifest.models
                        if m.node == finding.slot.node and m.input == finding.slot.input
                    ),
                    "",
                )
                dest = target_in(Path(finding.target_dir), finding.slot.file)
                jobs.append((finding.slot.url, dest, sha or None))
            if not jobs and not remote:
                print(f"{workflow.name}: nothing to download.", file=sys.stderr)
        token = CancelToken()
        for folder, file, url in remote:
            assert manager is not None
            source = mirrored(url, mirror)
            print(
                f"from {source}\n  to models/{folder}/ on the server (ComfyUI-Manager "
                f"{manager.version})",
                file=sys.stderr,
            )
            fetch = partial(
                fetch_on_server,
                client,
                manager,
                folder=folder,
                file=file,
                url=source,
                report=StderrProgress(False),
                token=token,
            )
            cancellable("manager-download", fetch, token)
    finally:
        client.close()
    for url, dest, sha in jobs:
        source = mirrored(url, mirror)
        print(f"from {source}\n  to {dest}", file=sys.stderr)
        downloader = Downloader(source, dest, sha256=sha)
        cancellable("download", partial(downloader.run, token, TransferLine()), token)
    return 0


def _pick(dirs: list[Path], folder: str) -> Path:
    named = [d for d in dirs if d.name == folder]
    return (named or dirs)[0]


def _not_here(folder: str) -> str:
    return (
        f"ComfyUI's {folder} folder is not on this machine and the server has no "
        "ComfyUI-Manager: copy the file there by hand, or set the models folder (--models-dir "
        "or Settings) if that folder is shared with this machine."
    )


def _workflow(spec: str):
    from vidgen_desktop.workflow import shipped_workflows

    key = spec.strip().lower().removesuffix(".json")
    for wf in shipped_workflows():
        if wf.name.lower() == key or (wf.path is not None and wf.path.stem.lower() == key):
            return wf
    names = ", ".join(wf.path.stem for wf in shipped_workflows() if wf.path)
    raise InvalidInput(f"No shipped workflow is called {spec!r}.", hint=f"One of: {names}.")
