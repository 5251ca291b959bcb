#!/usr/bin/env bash
# One command for a shippable build: `make package` (or `packaging/build.sh`).
#   dist/VidGen Desktop/                       the one-folder app (all platforms)
#   dist/vidgen-desktop-<version>-linux-<arch>.tar.gz   on Linux: the folder + .desktop file + icon
# Prints the build time and the sizes. VIDGEN_DEBUG_BUILD=1 gives a console/debug build.
# Windows installer: see packaging/README.md (Inno Setup, run on Windows).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
APP="VidGen Desktop"
VERSION=$("$PY" -c "import vidgen_desktop; print(vidgen_desktop.__version__)")
case "$VERSION" in *+source) echo "package metadata missing: run 'make setup' (pip install -e .)" >&2; exit 1;; esac

start=$(date +%s.%N)
"$PY" -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
  packaging/vidgen.spec
built=$(date +%s.%N)
folder="dist/$APP"
[ -d "$folder" ] || { echo "build produced no '$folder'" >&2; exit 1; }

archive=""
if [ "$(uname -s)" = "Linux" ]; then
  cp packaging/vidgen-desktop.desktop packaging/install-desktop-entry.sh "$folder/"
  cp resources/icons/vidgen-256.png "$folder/vidgen-desktop.png"
  archive="dist/vidgen-desktop-$VERSION-linux-$(uname -m).tar.gz"
  stage="vidgen-desktop-$VERSION"
  rm -f dist/vidgen-desktop-*-linux-*.tar.gz  # one archive in dist/, so CI can find it by glob
  # The archive unpacks to vidgen-desktop-<version>/ (no spaces: friendlier in a terminal).
  tar -C dist --transform "s|^$APP|$stage|" -czf "$archive" "$APP"
fi
end=$(date +%s.%N)

mb() { du -sm --apparent-size "$1" | cut -f1; }
awk -v s="$start" -v b="$built" -v e="$end" \
  'BEGIN { printf "build time:     %.1f s (PyInstaller %.1f s)\n", e - s, b - s }'
printf 'frozen folder:  %s MB, %s files  (%s)\n' "$(mb "$folder")" "$(find "$folder" -type f | wc -l)" "$folder"
[ -n "$archive" ] && printf 'archive:        %s MB  (%s)\n' "$(mb "$archive")" "$archive"
exit 0
