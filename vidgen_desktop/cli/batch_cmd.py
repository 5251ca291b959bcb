"""`vidgen batch FILE --project-root DIR [--comfyui URL]… [--until STAGE] [any vidgen run option]`:
one project per topic, run unattended and in parallel across the ComfyUI servers given (each
server one item at a time; an item's stages stay on its server). Every item is checked before
anything runs (its options, and that some server can run its workflows). One progress line per
item change on stderr, a table at the end; exit 0 when every item finished, 1 when some failed.

Running the same batch again continues it: finished items are skipped, and an item that stopped
midway keeps its finished stages (and follows a job still in ComfyUI instead of sending it twice).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

from vidgen_desktop.cli.run_cmd import add_stage_options
from vidgen_desktop.cli.stage_common import settings_from, timings
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.paths import user_paths
from vidgen_desktop.pipeline.batch import ItemState, read_items
from vidgen_desktop.pipeline.batch_run import BatchRun
from vidgen_desktop.pipeline.run_all import STAGES
from vidgen_desktop.pipeline.topic_run import RunOptions


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "batch",
        help="many topics, one project each, in parallel across ComfyUI servers",
        description="Topics from FILE (a line each, or JSONL/CSV with a 'topic' and per-item "
        "options); running it again continues where it stopped.",
    )
    p.add_argument("file", type=Path, help="the list of topics (.txt, .jsonl or .csv)")
    p.add_argument("--project-root", type=Path, required=True, help="one project per topic here")
    p.add_argument(
        "--comfyui",
        action="append",
        metavar="URL",
        help="a ComfyUI server (repeat for several; default: the settings file's)",
    )
    p.add_argument(
        "--ollama", metavar="URL", help="Ollama URL (default: OLLAMA_HOST, else settings)"
    )
    p.add_argument("--no-handoff", action="store_true", help="no GPU hand-off (big cards)")
    p.add_argument("--until", choices=STAGES, help="stop every item after this stage")
    add_stage_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from(argparse.Namespace(**{**vars(args), "comfyui": None}))
    servers = args.comfyui or [e.url for e in settings.comfy_servers()]
    base = RunOptions.from_values({n: getattr(args, n, None) for n in RunOptions.model_fields})
    items = read_items(args.file)
    lock = threading.Lock()
    total = len(items)

    def line(state: ItemState) -> None:
        head = f"[{state.index:0{len(str(total))}d}/{total}] {state.topic}"
        if state.status == "running":
            text = f"{state.stage or 'starting'} on {state.server}"
        elif state.status == "done":
            text = f"done in {state.seconds:.1f} s on {state.server}"
        elif state.status == "failed":
            text = f"failed at {state.failed_stage or 'a stage'}: {state.error}"
        else:  # waiting: at the start, or again after its server went away
            text = f"{state.status} ({state.error})" if state.error else state.status
        with lock:
            print(f"{head}: {text}", file=sys.stderr, flush=True)

    batch = BatchRun(
        args.project_root,
        settings,
        servers,
        base,
        on_change=line,
        timings=timings(),
        config_dir=user_paths().config_dir,
    )
    record = batch.open(items, str(args.file), args.until)
    token = CancelToken()
    started = time.monotonic()
    try:
        batch.run(token)
    except KeyboardInterrupt:
        token.cancel()
        print("cancelling… (run the same batch again to continue)", file=sys.stderr)
        return 130
    print(table(record.items, time.monotonic() - started), file=sys.stderr)
    return 0 if all(s.status == "done" for s in record.items) else 1


def table(states: list[ItemState], elapsed: float) -> str:
    rows = [f"{'#':>3}  {'status':<7} {'stage':<7} {'time':>8}  {'server':<24} topic / why"]
    for s in states:
        why = f" — {s.error}" if s.status == "failed" and s.error else ""
        stage = s.failed_stage if s.status == "failed" else (s.stage or "")
        rows.append(
            f"{s.index:>3}  {s.status:<7} {stage:<7} {s.seconds:>7.1f}s  {s.server:<24} "
            f"{s.topic}{why}"
        )
    done = sum(1 for s in states if s.status == "done")
    rows.append(f"{done} of {len(states)} finished in {elapsed:.1f} s")
    return "\n".join(rows)
