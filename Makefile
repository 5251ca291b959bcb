# Developer targets; CI runs exactly `make test` (see .ci/run).
.PHONY: help setup run test lint bench screenshots package package-check

help:  ## list targets
	@grep -E '^[a-z-]+:.*## ' Makefile | sed 's/:.*## /\t/'

setup:  ## install system libraries and the venv (with test extras)
	bash scripts/setup.sh test

run: setup  ## install, then launch the app
	.venv/bin/python -m vidgen_desktop

test: setup  ## install, then lint, type-check and run the whole test suite offscreen
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest -q -p no:cacheprovider; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$rc

lint:  ## ruff (lint and format) and mypy
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

bench: setup  ## run the benchmarks and print their numbers
	QT_QPA_PLATFORM=offscreen .venv/bin/python bench/run_all.py

screenshots: setup  ## grab PNGs of every stage into screenshots/
	QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py screenshots

package:  ## build the double-clickable app: dist/VidGen Desktop/ (+ a .tar.gz on Linux)
	bash scripts/setup.sh test,package
	bash packaging/build.sh

package-check: package  ## CI: build once, run the frozen --self-test and the frozen-folder tests
	"dist/VidGen Desktop/vidgen-desktop" --self-test
	VIDGEN_FROZEN_DIST="dist/VidGen Desktop" VIDGEN_FROZEN_ARCHIVE="$$(ls dist/vidgen-desktop-*-linux-*.tar.gz)" \
	  QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest -q -p no:cacheprovider tests/packaging/test_frozen_dist.py
