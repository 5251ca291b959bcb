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
from pathlib import Path

from vidgen_desktop.cli.stage_common import (
    StderrProgress,
    add_common_options,
    add_detach_option,
    cancellable,
    detach_event,
    open_project,
    settings_from,
    timings,
)
from vidgen_desktop.cli.video_cmd import NO_SOUND, check_sound
from vidgen_desktop.comfy import ComfyClient
from vidgen_desktop.comfy.errors import Detached
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import InvalidInput, VidGenError
from vidgen_desktop.core.settings import Settings
from vidgen_desktop.paths import user_paths
from vidgen_desktop.pipeline import StageOutcome
from vidgen_desktop.pipeline.image_sizes import ASPECTS
from vidgen_desktop.pipeline.inputs import (
    DEFAULT_ASPECT,
)
from vidgen_desktop.pipeline.run_all import (
    COMFY_STAGES,
    STAGES,
    StageFailed,
    stages_until,
)
from vidgen_desktop.pipeline.topic_run import RunOptions, TopicRun
from vidgen_desktop.workflow import Workflow


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "run",
        help="the whole pipeline: topic → script → voice → image → talking video",
        description="Run every stage for TOPIC into the project folder; print the MP4's path.",
        epilog="exit code = 10 × stage + reason (stage 1 script, 2 voice, 3 image, 4 video; reason: "
        "2 bad input, 3 unreachable, 4 server error, 5 model missing, 6 unusable output, 7 disk, "
        "8 missing node pack/model file, 9 job failed), e.g. 23 = voice could not reach ComfyUI; "
        "130 cancelled",
    )
    p.add_argument("--topic", help="what the video is about (not with --from)")
    p.add_argument(
        "--from",
        dest="start",
        choices=COMFY_STAGES,
        help="start at this stage of an existing project, with the settings the project keeps "
        "(what the window last used); the stages before it keep their chosen takes",
    )
    p.add_argument(
        "--until",
        choices=STAGES,
        help="stop after this stage (e.g. --until image: script, voice and image, no video); "
        "the last stage's file is printed",
    )
    add_common_options(p)
    add_detach_option(p)
    add_stage_options(p)
    p.set_defaults(func=run)


def add_stage_options(p: argparse.ArgumentParser) -> None:
    """Every stage's options (vidgen run's, and vidgen batch's for all its items)."""
    p.add_argument(
        "--model", help="Ollama model (default: the app's choice, else the first installed)"
    )
    p.add_argument("--seed", type=int, help="one seed for every stage (default: random)")
    voice = p.add_argument_group("voice stage (defaults: what the window would use)")
    voice.add_argument("--voice-workflow", help="voice workflow: a shipped name or a file")
    voice.add_argument(
        "--voice-seconds",
        type=float,
        metavar="S",
        help="length: a song is made this long, speech is checked against it "
        "(default: the song's length; for speech the text's spoken length)",
    )
    voice.add_argument(
        "--voice-steps",
        type=int,
        metavar="N",
        help="sampler steps where the workflow has them (default: the workflow's)",
    )
    voice.add_argument(
        "--voice-instruct", metavar="TEXT", help="voice instructions, e.g. 'calm, low'"
    )
    voice.add_argument(
        "--voice-speaker", metavar="NAME", help="preset speaker (Qwen3-TTS: Ryan, …)"
    )
    voice.add_argument(
        "--voice-reference-audio",
        type=Path,
        metavar="CLIP",
        help="voice clip to copy (cloning workflows)",
    )
    voice.add_argument(
        "--voice-reference-text", metavar="TEXT", help="what the reference clip says"
    )
    image = p.add_argument_group("image stage")
    image.add_argument("--image-workflow", help="image workflow: a shipped name or a file")
    size = image.add_mutually_exclusive_group()
    size.add_argument("--image-size", metavar="WxH", help="still size in px, multiples of 8")
    size.add_argument(
        "--aspect",
        choices=[a[0] for a in ASPECTS],
        help=f"size preset for the image model (default: {DEFAULT_ASPECT})",
    )
    image.add_argument(
        "--image-steps", type=int, metavar="N", help="sampler steps (default: the workflow's)"
    )
    image.add_argument(
        "--image-cfg", type=float, metavar="X", help="CFG scale (default: the workflow's)"
    )
    image.add_argument(
        "--image-style",
        default="",
        metavar="TEXT",
        help="style / instructions appended to the image prompt",
    )
    video = p.add_argument_group("video stage")
    video.add_argument("--video-workflow", help="video workflow: a shipped name or a file")
    video.add_argument(
        "--video-size",
        metavar="WxH",
        help="video resolution, multiples of 16 (default: the workflow's first size)",
    )
    video.add_argument(
        "--video-steps",
        type=int,
        metavar="N",
        help="sampler steps per chunk (default: the workflow's, 4 with --lora)",
    )
    lora = video.add_mutually_exclusive_group()
    lora.add_argument(
        "--lora",
        dest="lora",
        action="store_true",
        default=None,
        help="use the fast 4-step LoRA (4 steps, cfg 1)",
    )
    lora.add_argument(
        "--no-lora", dest="lora", action="store_false", help="no LoRA (default: the workflow's)"
    )


@dataclass
class StageTiming:
    stage: str
    total_s: float
    server_s: float
    handoff_s: float

    @property
    def overhead_s(self) -> float:
        return max(0.0, self.total_s - self.server_s)


def comfy_server_seconds(outcome: StageOutcome) -> float:
    """ComfyUI's share: queueing to the finish event; downloading the files is ours."""
    job = outcome.job
    download = max(0.0, job.on_disk_at - job.finished_at) if job.finished_at else 0.0
    return max(0.0, job.elapsed_s - download)


#: options that change a stage's request: with --from the project's own settings are used
REQUEST_OPTIONS = (
    "seed",
    "voice_seconds",
    "voice_steps",
    "voice_instruct",
    "voice_speaker",
    "voice_reference_audio",
    "voice_reference_text",
    "image_size",
    "aspect",
    "image_steps",
    "image_cfg",
    "video_size",
    "video_steps",
    "lora",
)


def check_start(args: argparse.Namespace) -> None:
    stages_until(args.start, getattr(args, "until", None))
    if args.start is None and not (args.topic or "").strip():
        raise InvalidInput("Say what the video is about: --topic TEXT (or --from a stage).")
    if args.start is None or getattr(args, "keep_options", False):
        return
    if args.topic:
        raise InvalidInput(
            f"--from {args.start} keeps the project's script: drop --topic.",
            hint="To write a new script, run without --from.",
        )
    given = [
        "--" + name.replace("_", "-")
        for name in REQUEST_OPTIONS
        if getattr(args, name, None) not in (None, "")
    ]
    if given:
        raise InvalidInput(
            f"--from {args.start} runs with the settings the project keeps; "
            f"{', '.join(given)} would not apply.",
            hint="Change them in the window (they are saved with the project), or run the "
            "stage's own command (vidgen voice|image|video) with its options.",
        )


class Pipeline:
    """`vidgen run` around a TopicRun: a header per stage on stderr, and the timings."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        check_start(args)
        self.settings: Settings = settings_from(args)
        self.reports: dict[str, StderrProgress] = {}
        self.stage_t0 = 0.0
        self.token = CancelToken()
        self.timings: list[StageTiming] = []
        self.quiet = args.quiet
        self.client: ComfyClient | None = None
        self.video_path: Path | None = None
        # every option is checked before the first stage runs: a typo must not cost an hour
        self.options = RunOptions.from_values(
            {name: getattr(args, name, None) for name in RunOptions.model_fields}
        )
        self.project = open_project(args.project)

    def topic_run(self) -> TopicRun:
        if self.client is None:
            # one client for all three stages: one WebSocket, and /object_info fetched once
            self.client = ComfyClient(self.settings.comfyui_url)
        return TopicRun(
            self.settings,
            self.project,
            self.options,
            self.client,
            self.report_for,
            token=self.token,
            started=self.started,
            finished=self.finished,
            timings=timings(),
            detach=detach_event(self.args),
            # --from: the settings the project keeps; else this command's options
            keep_project_settings=bool(self.args.start)
            and not getattr(self.args, "keep_options", False),
            config_dir=user_paths().config_dir,
        )

    def say(self, text: str) -> None:
        if not self.quiet:
            print(text, file=sys.stderr, flush=True)

    def stage(self, name: str, work: Callable[[StderrProgress], tuple[float, float]]) -> None:
        number = STAGES.index(name) + 1
        self.say(f"== stage {number}/4: {name} ==")
        report = self.report_for(name)
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
        started = time.monotonic()
        run = self.topic_run()
        outcome = cancellable("script", lambda: run.script(self.args.topic), self.token)
        report.say(
            f"scene written by {outcome.model} ({outcome.stats.eval_count} tokens, "
            f"{outcome.attempts} attempt(s))"
        )
        # Ollama's own account of its work (load + prompt + generation), never more than we waited
        waited = time.monotonic() - started - outcome.handoff_s
        return min(outcome.stats.total_duration_ns / 1e9, waited), outcome.handoff_s

    # -- the ComfyUI stages: one recorded run (pipeline.run_all), so `vidgen resume` continues it
    def comfy_stages(self, stages: list[str]) -> None:
        run = self.topic_run()
        cancellable("run", lambda: run.comfy_stages(stages), self.token)

    def report_for(self, stage: str) -> StderrProgress:
        if stage not in self.reports:
            self.reports[stage] = StderrProgress(self.quiet, prefix=f"  {stage}: ")
        return self.reports[stage]

    def started(self, stage: str, wf: Workflow) -> None:
        self.say(f"== stage {STAGES.index(stage) + 1}/4: {stage} ==")
        self.stage_t0 = time.monotonic()
        self.report_for(stage).say(f"workflow: {wf.name}")

    def finished(self, stage: str, outcome: StageOutcome) -> None:
        report, take = self.report_for(stage), outcome.take
        if stage == "voice":
            report.say(f"speech: {take.file} ({take.duration_s or 0:.1f} s)")
        elif stage == "image":
            report.say(f"image: {take.file}")
        else:
            if check_sound(self.project, outcome) is False:
                report.say(f"warning: {NO_SOUND}")
            self.video_path = self.project.path_of(take)
            report.say(f"video: {take.file}")
        total = time.monotonic() - self.stage_t0
        handoff = outcome.handoff.elapsed_s if outcome.handoff else 0.0
        self.timings.append(StageTiming(stage, total, comfy_server_seconds(outcome), handoff))
        self.say(f"  {stage}: done in {total:.2f} s")

    def last_file(self, until: str | None) -> Path | None:
        return self.topic_run().last_file(until, self.video_path)

    def timing_table(self) -> str:
        rows = [f"{'stage':<7} {'total':>9} {'server':>9} {'hand-off':>9} {'our overhead':>13}"]
        for t in self.timings:
            rows.append(
                f"{t.stage:<7} {t.total_s:>8.3f}s {t.server_s:>8.3f}s {t.handoff_s:>8.3f}s "
                f"{t.overhead_s:>12.3f}s"
            )
        total = sum(t.total_s for t in self.timings)
        overhead = sum(t.overhead_s for t in self.timings)
        rows.append(
            f"{'all':<7} {total:>8.3f}s {total - overhead:>8.3f}s "
            f"{sum(t.handoff_s for t in self.timings):>8.3f}s {overhead:>12.3f}s"
        )
        return "\n".join(rows)


def run(args: argparse.Namespace) -> int:
    pipeline = Pipeline(args)
    pipeline.say(
        f"Project: {pipeline.project.root} · Ollama {pipeline.settings.effective_ollama_url()} "
        f"· ComfyUI {pipeline.settings.comfyui_url}"
    )
    try:
        if args.start is None:
            pipeline.stage("script", pipeline.script)
        stages = stages_until(args.start, args.until)
        if stages:
            pipeline.comfy_stages(stages)
    except StageFailed as failed:
        if pipeline.timings:
            pipeline.say(pipeline.timing_table())
        print(
            f"error: the {failed.stage} stage failed: {failed.error.user_text('cli')}",
            file=sys.stderr,
        )
        if failed.error.detail and args.verbose:
            print(failed.error.detail, file=sys.stderr)
        if isinstance(failed.error, Detached):
            raise failed.error from None  # not a failure: main says how to collect it
        return failed.exit_code
    except KeyboardInterrupt:
        print("cancelled", file=sys.stderr)
        return 130
    finally:
        if pipeline.client is not None:
            pipeline.client.close()
    pipeline.say("timings (server = Ollama's generation / ComfyUI's job; the rest is ours):")
    pipeline.say(pipeline.timing_table())
    sys.stdout.write(f"{pipeline.last_file(args.until)}\n")
    sys.stdout.flush()
    return 0
