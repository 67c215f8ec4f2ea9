#!/usr/bin/env bash
# Build Denoise Desktop for macOS: DenoiseDesktop.app (CPU/MPS torch), smoke test, .dmg.
#
# UNTESTED RECIPE: written without a Mac (the project's build machines run Linux;
# packaging/build_linux.sh is the tested path). It mirrors build_linux.sh; expect to fix small
# things on first use and update this header when it works. Build on the oldest macOS you
# support, once per architecture (arm64 and x86_64 are separate builds; PyInstaller builds for
# the Python it runs in).
#
#   packaging/build_macos.sh [--no-smoke] [--no-dmg]
#
# Environment: PYTHON (default python3, 3.10+ from python.org or Homebrew), TORCH_VERSION
# (default 2.13.0; PyPI's macOS wheels have no CUDA, so plain PyPI is right here),
# CODESIGN_IDENTITY (optional "Developer ID Application: ..." passed to the spec; notarise
# the .dmg afterwards with `xcrun notarytool submit --wait` and `xcrun stapler staple`).
#
# Output: dist/DenoiseDesktop.app, dist/DenoiseDesktop-<version>-macos-<arch>.dmg
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SMOKE=1 DMG=1
for arg in "$@"; do
    case "$arg" in
        --no-smoke) SMOKE=0 ;;
        --no-dmg) DMG=0 ;;
        *) echo "build_macos.sh: unknown option: $arg" >&2; exit 2 ;;
    esac
done
PYTHON="${PYTHON:-python3}"
VENV="${PKG_VENV:-build/pkgvenv}"
TORCH_VERSION="${TORCH_VERSION:-2.13.0}"

VERSION="$("$PYTHON" packaging/project_meta.py version)"
APP="$("$PYTHON" packaging/project_meta.py app_name)"
DISPLAY="$("$PYTHON" packaging/project_meta.py display_name)"
ARCH="$(uname -m)"
echo "== building $APP $VERSION for macos-$ARCH"

[[ -x "$VENV/bin/python" ]] || "$PYTHON" -m venv "$VENV"
VPY="$VENV/bin/python"
"$VPY" -m pip install --upgrade pip
"$VPY" -m pip install "torch==$TORCH_VERSION"
"$VPY" -m pip install ".[package]"
"$VPY" -m pip install --force-reinstall --no-deps .

"$VPY" -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
    packaging/denoise_desktop.spec
[[ -d "dist/$APP.app" ]] || { echo "no dist/$APP.app" >&2; exit 1; }

if [[ $SMOKE == 1 ]]; then
    "$VPY" packaging/smoke_test.py "dist/$APP.app" --json build/smoke.json
fi

if [[ $DMG == 1 ]]; then
    DMG_PATH="dist/$APP-$VERSION-macos-$ARCH.dmg"
    STAGE="build/dmg"
    rm -rf "$STAGE" "$DMG_PATH"; mkdir -p "$STAGE"
    cp -R "dist/$APP.app" "$STAGE/"
    ln -s /Applications "$STAGE/Applications"   # drag-to-install
    hdiutil create -volname "$DISPLAY $VERSION" -srcfolder "$STAGE" -ov -format UDZO "$DMG_PATH"
    rm -rf "$STAGE"
    ls -l "$DMG_PATH"
fi
echo "== done: dist/$APP.app"
