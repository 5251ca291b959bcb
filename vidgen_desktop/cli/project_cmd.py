"""`vidgen project show DIR [--json]`: what a project holds and where each stage stands.

A damaged project.json opens from its newest good backup (said on stderr, the damaged file is
kept); with no usable backup the command says which file and why, and exits 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from vidgen_desktop.core.progress import format_duration
from vidgen_desktop.core.project import Project
from vidgen_desktop.pipeline.ledger import Ledger
from vidgen_desktop.pipeline.project_status import describe_project


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "project",
        help="look at a project: stages, takes, versions, jobs",
        description="Show a project's state.",
    )
    sub = p.add_subparsers(dest="project_command", metavar="ACTION", required=True)
    show = sub.add_parser(
        "show", help="print the project's name, topic, stages, takes and versions"
    )
    show.add_argument("dir", type=Path, help="the project folder (or its project.json)")
    show.add_argument("--json", action="store_true", help="one JSON object on stdout")
    show.set_defaults(func=run_show)


def project_jobs(project: Project) -> list[dict[str, Any]]:
    """Every job the project's ledger recorded (read as it is on disk now)."""
    return Ledger(project.root).rows()


def run_show(args: argparse.Namespace) -> int:
    project = Project.open(args.dir)
    if project.recovery is not None:
        print(f"warning: {project.recovery.sentence()}", file=sys.stderr)
    info = describe_project(project, project_jobs(project))
    if args.json:
        sys.stdout.write(json.dumps(info, indent=2, ensure_ascii=False) + "\n")
        return 0
    out = [f"{info['name']}  ({info['folder']})", f"topic: {info['topic'] or '—'}", "", "stages:"]
    by_id = {t["id"]: t for t in info["takes"]}
    for stage, state in info["stages"].items():
        chosen = by_id.get(state["chosen"]) if state["chosen"] else None
        what = f" · chosen {chosen['file']}" if chosen else ""
        why = f" ({state['why']})" if state["why"] and state["status"] != "done" else ""
        out.append(f"  {stage:<6} {state['status']}{why}{what}")
    out += ["", f"takes ({len(info['takes'])}):"]
    for t in info["takes"]:
        flags = [
            f
            for f, on in (
                ("chosen", t["chosen"]),
                ("MISSING", t["missing"]),
                (t["source"], t["source"] == "imported"),
            )
            if on
        ]
        length = f" {format_duration(t['duration_s'])}" if t["duration_s"] else ""
        seed = f" seed {t['seed']}" if t["seed"] is not None else ""
        out.append(
            f"  {t['stage']:<6} {t['file']}{length}{seed} {t['workflow']}"
            f"{' [' + ', '.join(flags) + ']' if flags else ''}".rstrip()
        )
    out += ["", f"scene versions ({len(info['versions'])}):"]
    for v in info["versions"]:
        model = f" by {v['model']}" if v["model"] else ""
        out.append(f"  {v['created']} {v['origin']}{model}{' ← now' if v['current'] else ''}")
    if info["jobs"]:
        out += ["", f"jobs ({len(info['jobs'])}):"]
        for j in info["jobs"]:
            chunk = f" chunk {j['chunk']}" if j.get("chunk") is not None else ""
            out.append(
                f"  {j['stage']:<6} {j['state']:<9} {j['prompt_id']}{chunk} on {j['server']}"
            )
    sys.stdout.write("\n".join(out) + "\n")
    return 0
