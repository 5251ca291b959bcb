"""PyInstaller entry script: the frozen app starts exactly like `python -m vidgen_desktop`.

Kept outside the package so PyInstaller analyses `vidgen_desktop` as a normal package (relative
imports and package data work) instead of as a loose `__main__` file.
"""

import multiprocessing
import sys

from vidgen_desktop.__main__ import _entry

if __name__ == "__main__":
    multiprocessing.freeze_support()  # harmless if unused; required if anything ever spawns
    sys.exit(_entry())
