#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks for VidGen Desktop: the system libraries Qt
# needs (libpulse0 for QtMultimedia, xcb bits for real windows, Xvfb for screenshots) and a
# virtual environment with the package and its pinned dependencies. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS="${1:-test}"

if command -v apt-get >/dev/null 2>&1; then
  need=()
  for p in libpulse0 libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0 libegl1 libgl1 \
           libopengl0 libfontconfig1 fonts-dejavu-core libdbus-1-3 libglib2.0-0 xvfb xauth; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
  done
  # the desktop tests start their own session bus (keep-awake, notifications)
  command -v dbus-daemon >/dev/null 2>&1 || need+=(dbus)
  if [ ${#need[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
  fi
fi

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install -q -e ".[${EXTRAS}]"
