"""`python -m vidgen_desktop` opens the GUI; with arguments it is the `vidgen` CLI."""

import sys


def _entry() -> int:
    if len(sys.argv) > 1 and sys.argv[1] not in ("--self-test",):
        from vidgen_desktop.cli.main import main as cli_main

        return cli_main()
    from vidgen_desktop.app import main as gui_main

    return gui_main()


if __name__ == "__main__":
    sys.exit(_entry())
