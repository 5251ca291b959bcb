"""`vidgen doctor`: the Set-up page's findings on the command line. Exit 0 when every shipped
workflow can run here, 8 otherwise (the output says what is missing and where to get it)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from vidgen_desktop.cli.models_cmd import models_dir_of
from vidgen_desktop.cli.stage_common import settings_from
from vidgen_desktop.modelfiles.catalog import user_header_cache


def register(subparsers: argparse._SubParsersAction) -> None:
    d = subparsers.add_parser(
        "doctor",
        help="check Ollama, ComfyUI and every shipped workflow (exit 8 when one cannot run)",
        description="The Set-up page's findings: servers, GPU, and for each workflow what is "
        "missing (node packs, model files with their folder and source, misfit files).",
    )
    d.add_argument("--comfyui", metavar="URL")
    d.add_argument("--ollama", metavar="URL")
    d.add_argument("--models-dir", type=Path, metavar="DIR")
    d.add_argument("--json", action="store_true", help="one JSON object on stdout")
    d.set_defaults(func=run_doctor)


def run_doctor(args: argparse.Namespace) -> int:
    from vidgen_desktop.pipeline.setup_check import check_setup

    settings = settings_from(args)
    report = check_setup(
        settings, models_dir=models_dir_of(args, settings), cache=user_header_cache()
    )
    if args.json:
        sys.stdout.write(json.dumps(report.as_json(), indent=2, ensure_ascii=False) + "\n")
    else:
        print("\n".join(report.lines()))
    return report.exit_code
