"""`python -m vidgen_desktop` opens the GUI (`python -m vidgen_desktop DIR` opens that project);
with a command (`script`, `run`, …) it is the `vidgen` CLI."""

import sys
from pathlib import Path


def _opens_a_project(arg: str) -> bool:
    """A folder or a project.json: the window opens it. A CLI command's name never is one."""
    from vidgen_desktop.cli.main import command_names

    if arg in command_names() or arg.startswith("-"):
        return False
    return Path(arg).name == "project.json" or Path(arg).is_dir()


def _entry() -> int:
    args = sys.argv[1:]
    if args and args[0] != "--self-test" and not _opens_a_project(args[0]):
        from vidgen_desktop.cli.main import main as cli_main

        return cli_main()
    from vidgen_desktop.app import main as gui_main

    return gui_main()


if __name__ == "__main__":
    sys.exit(_entry())
