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
import random
import sys
import threading
import time
from pathlib import Path

from vidgen_desktop.cli.run_cmd import Pipeline, add_stage_options, stages_until
from vidgen_desktop.cli.stage_common import settings_from
from vidgen_desktop.comfy.client import ComfyClient
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import InvalidInput, VidGenError
from vidgen_desktop.core.project import Project
from vidgen_desktop.pipeline.batch import (
    BatchStore,
    ItemFailed,
    ItemState,
    ServerPool,
    read_items,
    run_batch,
)
from vidgen_desktop.pipeline.run_all import STAGES, StageFailed
from vidgen_desktop.pipeline.stage_job import choose_workflow
from vidgen_desktop.workflow import Stage, named_workflow

_WORKFLOW_OPTIONS = {
    "voice": "voice_workflow",
    "image": "image_workflow",
    "video": "video_workflow",
}


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


class ItemPipeline(Pipeline):
    """vidgen run's pipeline for one item, saying which stage it is in."""

    def __init__(self, args: argparse.Namespace, on_stage) -> None:
        super().__init__(args)
        self.on_stage = on_stage

    def script(self, report):
        self.on_stage("script")
        return super().script(report)

    def started(self, stage, wf) -> None:
        self.on_stage(stage)
        super().started(stage, wf)


def _option_argv(options: dict) -> list[str]:
    argv: list[str] = []
    for key, value in options.items():
        flag = "--" + str(key).replace("_", "-")
        text = str(value).strip().lower()
        if value is True or text in ("true", "yes", "on"):
            argv.append(flag)
        elif value is False or text in ("false", "no", "off"):
            argv.append("--no-" + flag[2:])
        else:
            argv += [flag, str(value)]
    return argv


class ItemArgs:
    """Each item's `vidgen run` arguments: the batch's, then the item's own options."""

    def __init__(self, base: argparse.Namespace) -> None:
        self.base = base
        self.parser = argparse.ArgumentParser(
            prog="vidgen batch item", add_help=False, exit_on_error=False
        )
        add_stage_options(self.parser)

    def build(self, state: ItemState, root: Path, server: str) -> argparse.Namespace:
        args = argparse.Namespace(**vars(self.base))
        try:
            self.parser.parse_args(_option_argv(state.options), namespace=args)
        except (argparse.ArgumentError, SystemExit) as exc:
            raise InvalidInput(f"item {state.index} ({state.topic}): bad option: {exc}") from exc
        if args.seed is None:
            args.seed = state.seed
        project = root / state.project
        args.project, args.comfyui, args.quiet, args.detach, args.verbose = (
            project,
            server,
            True,
            False,
            False,
        )
        args.topic, args.start, args.keep_options = state.topic, None, True
        args.start = _resume_from(project, state.topic, self.base.until)
        if args.start is not None:
            args.topic = None
        return args

    def workflow_specs(self, state: ItemState) -> dict[str, str | None]:
        args = argparse.Namespace(**vars(self.base))
        self.parser.parse_args(_option_argv(state.options), namespace=args)
        return {stage: getattr(args, name, None) for stage, name in _WORKFLOW_OPTIONS.items()}


def _resume_from(project: Path, topic: str, until: str | None) -> str | None:
    """The first ComfyUI stage an interrupted item still lacks (None: start from the script)."""
    if not (project / "project.json").exists():
        return None
    opened = Project.open(project)
    if opened.data.scene is None or (opened.data.topic or "").strip() != topic.strip():
        return None
    for stage in stages_until(None, until):
        if opened.chosen_take(stage) is None:
            return stage
    return None


class ServerCheck:
    """Can this server run these workflows? Asked once per server and set of workflows."""

    def __init__(self, until: str | None) -> None:
        self.stages = stages_until(None, until)
        self._lock = threading.Lock()
        self._answers: dict[tuple, bool] = {}
        self._clients: dict[str, ComfyClient] = {}

    def client(self, server: str) -> ComfyClient:
        with self._lock:
            if server not in self._clients:
                self._clients[server] = ComfyClient(server)
            return self._clients[server]

    def can_run(self, server: str, specs: dict[str, str | None]) -> bool:
        key = (server, tuple(sorted((k, v or "") for k, v in specs.items())))
        with self._lock:
            if key in self._answers:
                return self._answers[key]
        client = self.client(server)
        try:
            client.system_stats()
            for stage in self.stages:
                choose_workflow(Stage(stage), specs.get(stage), "", client)
            answer = True
        except VidGenError:
            answer = False
        with self._lock:
            self._answers[key] = answer
        return answer

    def close(self) -> None:
        for client in self._clients.values():
            client.close()


def run(args: argparse.Namespace) -> int:
    settings = settings_from(argparse.Namespace(**{**vars(args), "comfyui": None}))
    servers = args.comfyui or [settings.comfyui_url]
    items = read_items(args.file)
    for stage in ("voice", "image", "video"):  # named workflows must exist before anything runs
        spec = getattr(args, _WORKFLOW_OPTIONS[stage])
        if spec:
            named_workflow(spec, Stage(stage))
    store = BatchStore(args.project_root)
    record = store.open(items, str(args.file), args.until)
    for state in record.items:
        if state.seed is None:
            state.seed = args.seed if args.seed is not None else random.randrange(1, 2**31)
    store.save()
    item_args = ItemArgs(args)
    check = ServerCheck(args.until)
    pool = ServerPool(servers)
    total = len(record.items)
    lock = threading.Lock()

    def line(state: ItemState) -> None:
        head = f"[{state.index:0{len(str(total))}d}/{total}] {state.topic}"
        if state.status == "running":
            text = f"{state.stage or 'starting'} on {state.server}"
        elif state.status == "done":
            text = f"done in {state.seconds:.1f} s on {state.server}"
        elif state.status == "failed":
            text = f"failed at {state.failed_stage or 'a stage'}: {state.error}"
        else:
            text = state.status
        with lock:
            print(f"{head}: {text}", file=sys.stderr, flush=True)

    # every item is checked before anything runs: its options, and a server for its workflows
    # (each server asked once, all at the same time)
    specs_seen: list[dict[str, str | None]] = []
    for state in record.items:
        try:
            specs = item_args.workflow_specs(state)
        except (argparse.ArgumentError, SystemExit):
            continue  # said below, for that item
        if specs not in specs_seen:
            specs_seen.append(specs)
    asking = [
        threading.Thread(target=check.can_run, args=(url, specs), daemon=True)
        for url in pool.urls
        for specs in specs_seen
    ]
    for thread in asking:
        thread.start()
    for thread in asking:
        thread.join()
    for state in record.items:
        if state.status == "done":
            continue
        try:
            specs = item_args.workflow_specs(state)
            if not any(check.can_run(url, specs) for url in pool.urls):
                raise InvalidInput("no server can run its workflows (missing models or nodes?)")
        except (VidGenError, argparse.ArgumentError, SystemExit) as exc:
            message = getattr(exc, "message", str(exc))
            store.update(state, status="failed", failed_stage="check", error=message)
            line(state)

    def run_item(state: ItemState, server: str, token: CancelToken, on_stage) -> str:
        try:
            pipeline = ItemPipeline(item_args.build(state, args.project_root, server), on_stage)
        except VidGenError as exc:
            raise ItemFailed("check", exc) from exc
        pipeline.token = token
        # the server's one client (one WebSocket, /object_info read once): its items run one
        # at a time, so they never share it at once
        pipeline.client = check.client(server)
        try:
            if pipeline.args.start is None:
                pipeline.stage("script", pipeline.script)
            stages = stages_until(pipeline.args.start, args.until)
            if stages:
                pipeline.comfy_stages(stages)
        except StageFailed as failed:
            raise ItemFailed(failed.stage, failed.error) from None
        return str(pipeline.last_file(args.until) or "")

    def can_run(state: ItemState, server: str) -> bool:
        return state.status != "failed" and check.can_run(server, item_args.workflow_specs(state))

    token = CancelToken()
    pending = [s for s in record.items if s.status == "waiting"]
    started = time.monotonic()
    try:
        if pending:
            run_batch(store, pool, run_item, can_run, line, token, only=pending)
    except KeyboardInterrupt:
        token.cancel()
        print("cancelling… (run the same batch again to continue)", file=sys.stderr)
        return 130
    finally:
        check.close()
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
