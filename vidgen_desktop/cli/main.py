"""`vidgen`: the headless face of the app. Each stage is a subcommand sharing the GUI's core.

Exit codes: 0 ok, 2 bad input, 3 server unreachable, 4 server error, 5 model missing,
6 unusable model output, 7 disk trouble, 8 set-up incomplete (doctor), 130 cancelled (Ctrl+C), 1 anything else.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from vidgen_desktop import __version__
from vidgen_desktop.comfy.errors import Detached
from vidgen_desktop.core.errors import VidGenError
from vidgen_desktop.log import setup_logging
from vidgen_desktop.paths import user_paths

#: modules that each define `register(subparsers)`; the function they set as `func` runs the command
COMMAND_MODULES = [
    "vidgen_desktop.cli.script_cmd",
    "vidgen_desktop.cli.image_cmd",
    "vidgen_desktop.cli.voice_cmd",
    "vidgen_desktop.cli.video_cmd",
    "vidgen_desktop.cli.run_cmd",
    "vidgen_desktop.cli.project_cmd",
    "vidgen_desktop.cli.resume_cmd",
    "vidgen_desktop.cli.models_cmd",
    "vidgen_desktop.cli.doctor_cmd",
    "vidgen_desktop.cli.download_cmd",
    "vidgen_desktop.cli.batch_cmd",
]


def command_names() -> set[str]:
    """The sub-commands, by module name (`run_cmd` → "run"), without importing them."""
    return {name.rsplit(".", 1)[-1].removesuffix("_cmd") for name in COMMAND_MODULES}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vidgen", description="VidGen Desktop, headless.")
    parser.add_argument("--version", action="version", version=f"vidgen {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log to stderr too")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    paths = user_paths().ensure()
    setup_logging(
        paths.log_file, level=logging.DEBUG if args.verbose else logging.INFO, console=args.verbose
    )
    try:
        return int(args.func(args) or 0)
    except Detached as exc:  # --detach, or a chunked render left to resume: not a failure
        project = getattr(args, "project", None)
        where = f" --project {project}" if project else ""
        print(f"{exc.message} `vidgen resume{where}` collects the result.", file=sys.stderr)
        return 0
    except VidGenError as exc:
        print(f"error: {exc.user_text('cli')}", file=sys.stderr)
        if exc.detail and args.verbose:
            print(exc.detail, file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("cancelled", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
