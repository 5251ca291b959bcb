#!/usr/bin/env sh
# Adds VidGen Desktop to your application menu (no root needed): run it from the unpacked folder.
# Writes ~/.local/share/applications/vidgen-desktop.desktop pointing at this folder, plus icons.
# Undo: rm ~/.local/share/applications/vidgen-desktop.desktop ~/.local/share/icons/hicolor/*/apps/vidgen-desktop.png
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data="${XDG_DATA_HOME:-$HOME/.local/share}"
mkdir -p "$data/applications"
for png in "$here"/_internal/resources/icons/vidgen-*.png; do
  size=$(basename "$png" .png | sed 's/vidgen-//')
  mkdir -p "$data/icons/hicolor/${size}x${size}/apps"
  cp "$png" "$data/icons/hicolor/${size}x${size}/apps/vidgen-desktop.png"
done
sed -e "s|^Exec=.*|Exec=\"$here/vidgen-desktop\"|" "$here/vidgen-desktop.desktop" \
  > "$data/applications/vidgen-desktop.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$data/applications" || true
echo "VidGen Desktop added to the application menu ($data/applications/vidgen-desktop.desktop)."
