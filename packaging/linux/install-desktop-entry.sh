#!/usr/bin/env sh
# Add (or with --remove, take away) Denoise Desktop in the application menu of this user.
# Run it from the unpacked folder; it writes only under ~/.local/share (XDG_DATA_HOME) and
# points the menu entry at this folder, so move the folder first, then run it.
set -eu
HERE="$(cd "$(dirname "$0")" && pwd)"
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
ENTRY="$DATA/applications/denoise-desktop.desktop"
ICON="$DATA/icons/hicolor/256x256/apps/denoise-desktop.png"

if [ "${1:-}" = "--remove" ]; then
    rm -f "$ENTRY" "$ICON"
    echo "removed $ENTRY"
    exit 0
fi
[ -x "$HERE/DenoiseDesktop" ] || { echo "no $HERE/DenoiseDesktop: run this from the unpacked folder" >&2; exit 1; }
mkdir -p "$(dirname "$ENTRY")"
# Exec needs an absolute path, quoted (the folder may contain spaces). Desktop Entry spec:
# inside quotes ", `, $ and \ take a backslash, then every backslash is doubled (string
# escaping); the last step escapes for sed's replacement.
exec_path=$(printf '%s' "$HERE/DenoiseDesktop" |
    sed -e 's/[\\"`$]/\\&/g' -e 's/\\/\\\\/g' -e 's/[\\&|]/\\&/g')
sed -e "s|^Exec=.*|Exec=\"$exec_path\"|" "$HERE/denoise-desktop.desktop" > "$ENTRY"
if [ -f "$HERE/denoise-desktop.png" ]; then
    mkdir -p "$(dirname "$ICON")"
    cp "$HERE/denoise-desktop.png" "$ICON"
fi
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$DATA/applications" || true
echo "installed $ENTRY"
