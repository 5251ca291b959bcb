"""A batch: many topics, one project each, run unattended and in parallel across ComfyUI servers.

The list is a text file (one topic a line), JSONL or CSV (a `topic` and optional per-item
options). The batch is recorded in `<project root>/batch.json` as it goes (atomic writes), so
running the same batch again — after a quit, a crash or a power cut — continues: finished items
are not redone, and an item that stopped midway keeps the stages it finished (its project and
ledger hold them). A failed item does not stop the others.

Every item runs all its stages on one server (a video's chunks depend on one another); each
server runs one item at a time, so N servers run N items at once. A server that cannot run an
item's workflows (a missing model or node pack) is not given it.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import threading
import time
import unicodedata
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from vidgen_desktop.core.atomic import write_text_atomic
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import Cancelled, InvalidInput, ServerUnavailable, VidGenError

log = logging.getLogger(__name__)

BATCH_FILE = "batch.json"


class BatchItem(BaseModel):
    topic: str = Field(min_length=1)
    options: dict[str, Any] = Field(default_factory=dict)


class ItemState(BaseModel):
    index: int
    topic: str
    options: dict[str, Any] = Field(default_factory=dict)
    project: str  # folder name under the project root
    status: Literal["waiting", "running", "done", "failed"] = "waiting"
    stage: str = ""  # the stage running now, or the last one reached
    server: str = ""
    error: str = ""
    failed_stage: str = ""
    seconds: float = 0.0
    output: str = ""  # the file the item ended with
    #: drawn once when the batch is made, so a continued item's jobs are the very same jobs
    seed: int | None = None


class BatchRecord(BaseModel):
    version: int = 1
    source: str = ""
    until: str | None = None
    items: list[ItemState] = Field(default_factory=list)


# ---- reading the list -----------------------------------------------------------------------
def read_items(path: Path) -> list[BatchItem]:
    """Topics from a .txt (one a line; blank lines and # comments skipped), .jsonl ({"topic":
    …, other keys are options}) or .csv (a `topic` column; other columns are options)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidInput(f"Cannot read the batch file {path}: {exc.strerror or exc}") from exc
    suffix = path.suffix.lower()
    items: list[BatchItem] = []
    if suffix == ".jsonl":
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                items.append(_item(row))
            except (ValueError, ValidationError, AttributeError) as exc:
                raise InvalidInput(f"{path.name} line {number} is not a topic: {exc}") from exc
    elif suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        if "topic" not in (reader.fieldnames or []):
            raise InvalidInput(f"{path.name} needs a 'topic' column.")
        for number, row in enumerate(reader, 2):
            try:
                items.append(_item({k: v for k, v in row.items() if v not in (None, "")}))
            except ValidationError as exc:
                raise InvalidInput(f"{path.name} row {number} has no topic.") from exc
    else:
        items = [
            BatchItem(topic=line.strip())
            for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")
        ]
    if not items:
        raise InvalidInput(f"{path.name} holds no topics.")
    return items


def _item(row: dict[str, Any]) -> BatchItem:
    row = dict(row)
    topic = str(row.pop("topic", "")).strip()
    return BatchItem(topic=topic, options=row)


def folder_for(index: int, topic: str) -> str:
    """ "03-a-lighthouse-keepers-last-night": sortable, readable, safe on every OS."""
    ascii_topic = unicodedata.normalize("NFKD", topic).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_topic.lower()).strip("-")[:48].strip("-")
    return f"{index:02d}-{slug or 'topic'}"


# ---- the record -----------------------------------------------------------------------------
class BatchStore:
    """batch.json under the project root; every change written at once (atomic)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / BATCH_FILE
        self._lock = threading.Lock()
        self.record = BatchRecord()

    def open(self, items: list[BatchItem], source: str, until: str | None) -> BatchRecord:
        """The recorded batch when it is the same list (continued), else a new one."""
        self.root.mkdir(parents=True, exist_ok=True)
        wanted = [(i.topic, i.options) for i in items]
        if self.path.exists():
            try:
                old = BatchRecord.model_validate_json(self.path.read_text(encoding="utf-8"))
                if [(s.topic, s.options) for s in old.items] == wanted and old.until == until:
                    return self._continue(old)
                log.info("%s holds another batch: starting this one afresh", self.path)
            except (OSError, ValueError) as exc:
                log.warning("unreadable %s (%s): starting afresh", self.path, exc)
        self.record = BatchRecord(
            source=source,
            until=until,
            items=[
                ItemState(index=n, topic=i.topic, options=i.options, project=folder_for(n, i.topic))
                for n, i in enumerate(items, 1)
            ],
        )
        self.save()
        return self.record

    def reopen(self) -> BatchRecord:
        """The batch recorded here, to continue it (a quit or a crash stopped it)."""
        try:
            old = BatchRecord.model_validate_json(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise InvalidInput(f"There is no batch in {self.root}.") from exc
        except (OSError, ValueError) as exc:
            raise InvalidInput(
                f"The batch record {self.path} is unreadable.", detail=str(exc)
            ) from exc
        return self._continue(old)

    def _continue(self, old: BatchRecord) -> BatchRecord:
        for state in old.items:
            # stopped while running (a quit, a crash), or failed last time: again
            if state.status in ("running", "failed"):
                state.status = "waiting"
        self.record = old
        self.save()
        return old

    def update(self, state: ItemState, **changes: Any) -> ItemState:
        # written under the lock too: two workers' snapshots must reach the disk in the order
        # they were taken, or an older one (an item still "running") lands last
        with self._lock:
            for key, value in changes.items():
                setattr(state, key, value)
            write_text_atomic(self.path, self.record.model_dump_json(indent=2))
        return state

    def save(self) -> None:
        with self._lock:
            write_text_atomic(self.path, self.record.model_dump_json(indent=2))


# ---- servers ---------------------------------------------------------------------------------
class ServerPool:
    """Which server runs the next item: a free one that can run it, the least used first."""

    def __init__(self, urls: list[str]) -> None:
        self.urls = list(dict.fromkeys(u.rstrip("/") for u in urls))
        self.busy: dict[str, bool] = {u: False for u in self.urls}
        #: servers that went away during the batch: given no more items
        self.gone: set[str] = set()
        self.done: dict[str, int] = {u: 0 for u in self.urls}
        self._cond = threading.Condition()

    def acquire(self, can_run: Callable[[str], bool], token: CancelToken) -> str | None:
        """A free server that can run the item (blocks while all such are busy); None when no
        server can run it at all."""
        able = [u for u in self.urls if u not in self.gone and can_run(u)]
        if not able:
            return None
        with self._cond:
            while True:
                token.raise_if_cancelled()
                free = [u for u in able if not self.busy[u] and u not in self.gone]
                if not free and all(u in self.gone for u in able):
                    return None
                if free:
                    chosen = min(free, key=lambda u: (self.done[u], self.urls.index(u)))
                    self.busy[chosen] = True
                    return chosen
                self._cond.wait(0.2)

    def give_up(self, url: str) -> bool:
        """The server went away: no more items go to it. False when it was the last one."""
        with self._cond:
            self.gone.add(url)
            self._cond.notify_all()
            return any(u not in self.gone for u in self.urls)

    def release(self, url: str) -> None:
        with self._cond:
            self.busy[url] = False
            self.done[url] += 1
            self._cond.notify_all()


# ---- running --------------------------------------------------------------------------------
#: run one item on one server: (state, server, token, on_stage) -> the file it ended with
RunItem = Callable[[ItemState, str, CancelToken, Callable[[str], None]], str]


class ItemFailed(Exception):
    def __init__(self, stage: str, error: VidGenError) -> None:
        super().__init__(f"{stage}: {error.message}")
        self.stage, self.error = stage, error


#: an item whose server went away: (item, the server, its stage) → may it go elsewhere?
MoveItem = Callable[[ItemState, str, str], bool]


def run_batch(
    store: BatchStore,
    pool: ServerPool,
    run_item: RunItem,
    can_run: Callable[[ItemState, str], bool],
    on_change: Callable[[ItemState], None],
    token: CancelToken,
    only: list[ItemState] | None = None,
    move: MoveItem | None = None,
) -> BatchRecord:
    """Every unfinished item (or `only` these), in parallel across the pool's servers. An item
    whose server goes away (past its re-attach window) goes back in line for the others, when
    `move` lets it (it marks the jobs left there), keeping every stage it finished."""
    record = store.record
    todo = list(only) if only is not None else [s for s in record.items if s.status != "done"]
    lock = threading.Lock()

    def next_item() -> ItemState | None:
        with lock:
            return todo.pop(0) if todo else None

    def work() -> None:
        while not token.cancelled:
            state = next_item()
            if state is None:
                return
            server = pool.acquire(partial(can_run, state), token)
            if server is None:
                on_change(
                    store.update(
                        state,
                        status="failed",
                        failed_stage="check",
                        error="no server can run its workflows",
                    )
                )
                continue
            started = time.monotonic()
            on_change(
                store.update(state, status="running", server=server, error="", failed_stage="")
            )

            def on_stage(stage: str, s: ItemState = state) -> None:
                on_change(store.update(s, stage=stage))

            try:
                output = run_item(state, server, token, on_stage)
                store.update(
                    state,
                    status="done",
                    output=str(output or ""),
                    seconds=round(time.monotonic() - started, 3),
                )
            except ItemFailed as failed:
                if (
                    isinstance(failed.error, ServerUnavailable)
                    and failed.stage != "script"  # that one is Ollama's, not the server's
                    and move is not None
                    and pool.give_up(server)
                    and move(state, server, failed.stage)
                ):
                    store.update(
                        state,
                        status="waiting",
                        error=f"{server} went away at {failed.stage}: moved",
                        seconds=round(state.seconds + time.monotonic() - started, 3),
                    )
                    with lock:
                        todo.append(state)
                    on_change(state)
                    continue
                store.update(
                    state,
                    status="failed",
                    failed_stage=failed.stage,
                    error=failed.error.message,
                    seconds=round(time.monotonic() - started, 3),
                )
            except Cancelled:
                store.update(state, status="waiting")
            except Exception as exc:  # one item's bug must not end the others
                log.exception("batch item %s failed", state.index)
                store.update(state, status="failed", error=str(exc))
            finally:
                pool.release(server)
            on_change(state)

    threads = [
        threading.Thread(target=work, name=f"vidgen-batch-{n}", daemon=True)
        for n in range(len(pool.urls))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(0.2)
    return record


__all__ = [
    "BATCH_FILE",
    "BatchItem",
    "BatchRecord",
    "BatchStore",
    "ItemFailed",
    "ItemState",
    "ServerPool",
    "folder_for",
    "read_items",
    "run_batch",
]
