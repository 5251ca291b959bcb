"""`vidgen run`: topic → scene → speech → still → talking video, headless, one command.

Each stage prints a header and its progress on stderr; at the end a table shows, per stage, the
wall time, the servers' own work (Ollama's generation, ComfyUI's job) and what remains: OUR
overhead (hand-off, preflight, uploads, downloads, parsing, disk). The MP4's path goes to stdout.

The GPU hand-off runs in both directions: ComfyUI is asked to free its models (POST /free,
confirmed on /system_stats) before Ollama generates, and run_stage unloads Ollama's model
(confirmed on /api/ps) before each ComfyUI stage.

Exit code = 10 × stage + reason, so a script can tell which stage failed and why:
stage 1 script, 2 voice, 3 image, 4 video; reason as in `vidgen voice --help` (2 bad input,
3 unreachable, 4 server error, 5 model missing, 6 unusable output, 7 disk, 8 missing node pack or
model file, 9 job failed). E.g. 23 = the voice stage could not reach ComfyUI. 130 = cancelled.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vidgen_desktop.cli.stage_common import (
    StderrProgress,
    add_common_options,
    cancellable,
    choose_workflow,
    run_comfy_stage,
    settings_from,
)
from vidgen_desktop.cli.video_cmd import NO_SOUND, check_sound, cost_lines, video_request
from vidgen_desktop.cli.voice_cmd import voice_request
from vidgen_desktop.comfy import ComfyClient
from vidgen_desktop.core import handoff
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import Cancelled, InvalidInput, VidGenError
from vidgen_desktop.core.project import Project
from vidgen_desktop.core.scene import Scene
from vidgen_desktop.core.settings import SUGGESTED_MODEL, Settings
from vidgen_desktop.core.template import default_template
from vidgen_desktop.ollama_client.models import GenerationOptions
from vidgen_desktop.ollama_client.scene_writer import generate_scene
from vidgen_desktop.ollama_client.service import OllamaService
from vidgen_desktop.paths import user_paths
from vidgen_desktop.pipeline import StageOutcome, StageRequest
from vidgen_desktop.workflow import Stage

STAGES = ("script", "voice", "image", "video")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "run", help="the whole pipeline: topic → script → voice → image → talking video",
        description="Run every stage for TOPIC into the project folder; print the MP4's path.",
        epilog="exit code = 10 × stage + reason (stage 1 script, 2 voice, 3 image, 4 video; reason: "
               "2 bad input, 3 unreachable, 4 server error, 5 model missing, 6 unusable output, 7 disk, "
               "8 missing node pack/model file, 9 job failed), e.g. 23 = voice could not reach ComfyUI; "
               "130 cancelled")
    p.add_argument("--topic", required=True, help="what the video is about")
    add_common_options(p)
    p.add_argument("--model", help="Ollama model (default: the app's choice, else the first installed)")
    p.add_argument("--voice-workflow", help="voice workflow file or shipped name")
    p.add_argument("--image-workflow", help="image workflow file or shipped name")
    p.add_argument("--video-workflow", help="video workflow file or shipped name")
    p.add_argument("--seed", type=int, help="one seed for every stage (default: random)")
    p.set_defaults(func=run)


@dataclass
class StageTiming:
    stage: str
    total_s: float
    server_s: float
    handoff_s: float

    @property
    def overhead_s(self) -> float:
        return max(0.0, self.total_s - self.server_s)


class StageFailed(Exception):
    def __init__(self, stage: str, error: VidGenError) -> None:
        super().__init__(stage)
        self.stage, self.error = stage, error

    @property
    def exit_code(self) -> int:
        if isinstance(self.error, Cancelled):
            return 130
        reason = self.error.exit_code if 0 < self.error.exit_code < 10 else 1
        return 10 * (STAGES.index(self.stage) + 1) + reason


def comfy_server_seconds(outcome: StageOutcome) -> float:
    """ComfyUI's share: queueing to the finish event; downloading the files is ours."""
    job = outcome.job
    download = max(0.0, job.on_disk_at - job.finished_at) if job.finished_at else 0.0
    return max(0.0, job.elapsed_s - download)


class Pipeline:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.settings: Settings = settings_from(args)
        self.project = Project.create(args.project)
        self.token = CancelToken()
        self.timings: list[StageTiming] = []
        self.quiet = args.quiet
        self.client: ComfyClient | None = None

    def say(self, text: str) -> None:
        if not self.quiet:
            print(text, file=sys.stderr, flush=True)

    def stage(self, name: str, work: Callable[[StderrProgress], tuple[float, float]]) -> None:
        number = STAGES.index(name) + 1
        self.say(f"== stage {number}/4: {name} ==")
        report = StderrProgress(self.quiet, prefix=f"  {name}: ")
        start = time.monotonic()
        try:
            server_s, handoff_s = work(report)
        except VidGenError as exc:
            raise StageFailed(name, exc) from exc
        total = time.monotonic() - start
        self.timings.append(StageTiming(name, total, server_s, handoff_s))
        self.say(f"  {name}: done in {total:.2f} s")

    # -- stages ------------------------------------------------------------------------------------
    def script(self, report: StderrProgress) -> tuple[float, float]:
        s = self.settings
        hand = handoff.before_ollama(s.comfyui_url, enabled=s.gpu_handoff, report=report, token=self.token)
        if hand.performed and not hand.confirmed:
            report.say(f"warning: {hand.message}")
        service = OllamaService(s.effective_ollama_url())
        model = self.args.model or s.llm.model
        if not model:
            installed = service.list_models()
            if not installed:
                raise InvalidInput(f"Ollama at {s.effective_ollama_url()} has no models.",
                                   hint=f"Run `ollama pull {SUGGESTED_MODEL}`, or pass --model.")
            model = installed[0].name
        llm = s.llm
        seed = self.args.seed if self.args.seed is not None else llm.seed
        options = GenerationOptions(num_ctx=llm.num_ctx, temperature=llm.temperature,
                                    num_predict=llm.num_predict, seed=seed)
        template = default_template(user_paths().config_dir)
        started = time.monotonic()
        outcome = cancellable("script", lambda: generate_scene(
            service, template, self.args.topic, model, options, report, self.token), self.token)
        for warning in outcome.warnings:
            report.say(f"warning: {warning}")
        self.project.set_scene(outcome.scene, raw_reply=outcome.raw, topic=self.args.topic)
        report.say(f"scene written by {model} ({outcome.stats.eval_count} tokens, {outcome.attempts} attempt(s))")
        # Ollama's own account of its work (load + prompt + generation), never more than we waited
        waited = time.monotonic() - started
        return min(outcome.stats.total_duration_ns / 1e9, waited), hand.elapsed_s

    def comfy(self, stage: Stage, spec: str | None, build: Callable[[Any], StageRequest],
              report: StderrProgress) -> StageOutcome:
        # one client for all three stages: one WebSocket, and /object_info fetched once
        if self.client is None:
            self.client = ComfyClient(self.settings.comfyui_url)
        client = self.client
        wf = choose_workflow(stage, spec, self.settings.workflows.get(str(stage), ""), client)
        report.say(f"workflow: {wf.name}")
        request = build(wf)
        return run_comfy_stage(client, self.project, request, self.settings, report, self.token)

    def scene(self) -> Scene:
        assert self.project.data.scene is not None
        return self.project.data.scene

    def voice(self, report: StderrProgress) -> tuple[float, float]:
        values = {"seed": self.args.seed}
        outcome = self.comfy(Stage.VOICE, self.args.voice_workflow,
                             lambda wf: voice_request(wf, self.scene(), values), report)
        take = outcome.take
        report.say(f"speech: {take.file} ({take.duration_s or 0:.1f} s)")
        return comfy_server_seconds(outcome), outcome.handoff.elapsed_s if outcome.handoff else 0.0

    def image(self, report: StderrProgress) -> tuple[float, float]:
        def build(wf: Any) -> StageRequest:
            scene = self.scene()
            params: dict[str, Any] = {"positive": scene.image.positive_prompt, "seed": self.args.seed}
            if "negative" in wf.params:
                params["negative"] = scene.image.negative_prompt
            sizes = wf.manifest.sizes_12gb
            if sizes and "width" in wf.params and "height" in wf.params:
                params["width"], params["height"] = sizes[0]
            return StageRequest("image", wf, params, take_settings={"prompt": params["positive"],
                                                                    "source": "vidgen run"})

        outcome = self.comfy(Stage.IMAGE, self.args.image_workflow, build, report)
        report.say(f"image: {outcome.take.file}")
        return comfy_server_seconds(outcome), outcome.handoff.elapsed_s if outcome.handoff else 0.0

    def video(self, report: StderrProgress) -> tuple[float, float]:
        plans: dict[str, Any] = {}

        def build(wf: Any) -> StageRequest:
            request, plans["plan"] = video_request(wf, self.scene(), self.project, {"seed": self.args.seed})
            for line in cost_lines(wf, plans["plan"]):
                report.say(line)
            return request

        outcome = self.comfy(Stage.VIDEO, self.args.video_workflow, build, report)
        if check_sound(self.project, outcome) is False:
            report.say(f"warning: {NO_SOUND}")
        self.video_path = self.project.path_of(outcome.take)
        report.say(f"video: {outcome.take.file}")
        return comfy_server_seconds(outcome), outcome.handoff.elapsed_s if outcome.handoff else 0.0

    def timing_table(self) -> str:
        rows = [f"{'stage':<7} {'total':>9} {'server':>9} {'hand-off':>9} {'our overhead':>13}"]
        for t in self.timings:
            rows.append(f"{t.stage:<7} {t.total_s:>8.3f}s {t.server_s:>8.3f}s {t.handoff_s:>8.3f}s "
                        f"{t.overhead_s:>12.3f}s")
        total = sum(t.total_s for t in self.timings)
        overhead = sum(t.overhead_s for t in self.timings)
        rows.append(f"{'all':<7} {total:>8.3f}s {total - overhead:>8.3f}s "
                    f"{sum(t.handoff_s for t in self.timings):>8.3f}s {overhead:>12.3f}s")
        return "\n".join(rows)


def run(args: argparse.Namespace) -> int:
    pipeline = Pipeline(args)
    pipeline.say(f"Project: {pipeline.project.root} · Ollama {pipeline.settings.effective_ollama_url()} "
                 f"· ComfyUI {pipeline.settings.comfyui_url}")
    try:
        for name in STAGES:
            pipeline.stage(name, getattr(pipeline, name))
    except StageFailed as failed:
        if pipeline.timings:
            pipeline.say(pipeline.timing_table())
        print(f"error: the {failed.stage} stage failed: {failed.error.user_text()}", file=sys.stderr)
        if failed.error.detail and args.verbose:
            print(failed.error.detail, file=sys.stderr)
        return failed.exit_code
    except KeyboardInterrupt:
        print("cancelled", file=sys.stderr)
        return 130
    finally:
        if pipeline.client is not None:
            pipeline.client.close()
    pipeline.say("timings (server = Ollama's generation / ComfyUI's job; the rest is ours):")
    pipeline.say(pipeline.timing_table())
    sys.stdout.write(f"{pipeline.video_path}\n")
    sys.stdout.flush()
    return 0

