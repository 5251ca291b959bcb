"""Progress of one ComfyUI job: 20 % node count + 80 % sampler steps (Krita's weighting).

Sampler nodes (class names containing "Sampler") carry the step progress; a graph without one is
measured by nodes alone. The fraction is capped at 0.99: 100 % is reported only once the output
files are on disk (job.py). ETA comes from the measured time per step, never from a guess.
"""

from __future__ import annotations

import time
from typing import Any

from vidgen_desktop.core.progress import Progress

NODE_WEIGHT = 0.2
MAX_BEFORE_FILES = 0.99


class ProgressTracker:
    def __init__(self, graph: dict[str, Any]) -> None:
        self.graph = graph
        self.total_nodes = max(len(graph), 1)
        self.samplers = [
            nid
            for nid, node in graph.items()
            if "sampler" in str(node.get("class_type", "")).lower()
        ]
        self.cached: set[str] = set()
        self.done_nodes: set[str] = set()
        self.current: str | None = None
        self.step: tuple[float, float] | None = None  # value, max of the current sampler
        self.samplers_done: set[str] = set()
        self.queue_remaining = 0
        self._last_step_t: float | None = None
        self._sec_per_step: float | None = None
        #: measured on this machine, for the estimate (pipeline.timings): seconds from a node's
        #: `executing` to the next one's (model loads land on their loader's first use), and
        #: the gaps between a sampler's consecutive steps
        self.node_seconds: dict[str, float] = {}
        self.step_gaps: dict[str, list[float]] = {}
        self._node_t0: dict[str, float] = {}

    # -- events ---------------------------------------------------------------------------
    def on_cached(self, nodes: tuple[str, ...]) -> None:
        self.cached.update(nodes)
        self.done_nodes.update(nodes)
        self.samplers_done.update(n for n in nodes if n in self.samplers)

    def on_executing(self, node: str) -> None:
        now = time.monotonic()
        if self.current is not None and self.current != node:
            self._finish(self.current)
            self._close(self.current, now)
        self._node_t0.setdefault(node, now)
        self.current = node
        if node not in self.samplers:
            self.step = None

    def on_executed(self, node: str) -> None:
        self._finish(node)

    def on_progress(self, node: str | None, value: float, maximum: float) -> None:
        now = time.monotonic()
        if node is not None and node != self.current:
            self.on_executing(node)
        prev = self.step
        if prev is not None and value > prev[0] and self._last_step_t is not None:
            per = (now - self._last_step_t) / (value - prev[0])
            if node is not None:
                self.step_gaps.setdefault(node, []).append(per)
            self._sec_per_step = (
                per if self._sec_per_step is None else 0.7 * self._sec_per_step + 0.3 * per
            )
        self._last_step_t = now
        self.step = (value, max(maximum, 1.0))

    def on_state(self, nodes: dict[str, dict[str, Any]]) -> bool:
        """progress_state: returns True when it changed the node count (worth a report)."""
        before = len(self.done_nodes)
        for nid, st in nodes.items():
            if isinstance(st, dict) and st.get("state") == "finished":
                self._finish(str(nid))
        return len(self.done_nodes) != before

    def _finish(self, node: str) -> None:
        self.done_nodes.add(node)
        if node in self.samplers:
            self.samplers_done.add(node)
            if self.current == node:
                self.step = None

    def _close(self, node: str, now: float) -> None:
        if node not in self.node_seconds and node in self._node_t0:
            self.node_seconds[node] = now - self._node_t0[node]

    def finished(self) -> None:
        """The prompt ended: the last node's time is known too."""
        if self.current is not None:
            self._close(self.current, time.monotonic())

    # -- numbers --------------------------------------------------------------------------
    def fraction(self) -> float:
        node_frac = min(len(self.done_nodes) / self.total_nodes, 1.0)
        if not self.samplers:
            return min(node_frac, MAX_BEFORE_FILES)
        in_step = self.step[0] / self.step[1] if self.step else 0.0
        running = (
            0 if self.current in self.samplers_done or self.current not in self.samplers else 1
        )
        step_frac = (len(self.samplers_done) + in_step * running) / len(self.samplers)
        return min(
            NODE_WEIGHT * node_frac + (1 - NODE_WEIGHT) * min(step_frac, 1.0), MAX_BEFORE_FILES
        )

    def eta_s(self) -> float | None:
        """Remaining sampler steps × measured seconds per step; None until measured."""
        if self._sec_per_step is None or not self.samplers:
            return None
        steps_per = self.step[1] if self.step else None
        if steps_per is None:
            return None
        left_here = steps_per - self.step[0] if self.step else 0.0
        left_samplers = len(self.samplers) - len(self.samplers_done) - 1
        return max(left_here + max(left_samplers, 0) * steps_per, 0.0) * self._sec_per_step

    def _node_label(self) -> str:
        if self.current is None:
            return "Starting…"
        node = self.graph.get(self.current, {})
        title = (node.get("_meta") or {}).get("title") or node.get("class_type") or self.current
        if self.step:
            return f"{title}: step {int(self.step[0])}/{int(self.step[1])}"
        return f"Running {title}"

    def _extra(self) -> dict[str, Any]:
        return {
            "node": self.current,
            "nodes_done": len(self.done_nodes),
            "nodes_total": self.total_nodes,
            "step": self.step[0] if self.step else None,
            "steps": self.step[1] if self.step else None,
            "queue_remaining": self.queue_remaining,
        }

    def step_progress(self, elapsed: float) -> Progress:
        return Progress(
            self.fraction(),
            self._node_label(),
            eta_s=self.eta_s(),
            elapsed_s=elapsed,
            kind="step",
            extra=self._extra(),
        )

    def queued_progress(self, elapsed: float) -> Progress:
        ahead = max(self.queue_remaining - 1, 0)
        msg = f"Waiting in the ComfyUI queue ({ahead} ahead)" if ahead else "Waiting for ComfyUI…"
        return Progress(0.0, msg, elapsed_s=elapsed, kind="status", extra=self._extra())

    def preview_progress(self, image: bytes, mime: str, elapsed: float) -> Progress:
        extra = self._extra() | {"mime": mime}
        return Progress(
            self.fraction(),
            self._node_label(),
            eta_s=self.eta_s(),
            elapsed_s=elapsed,
            preview=image,
            kind="preview",
            extra=extra,
        )
