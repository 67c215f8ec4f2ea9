#!/usr/bin/env bash
# Build the self-contained Linux bundle of Denoise Desktop (CPU torch) and pack it.
#
#   packaging/build_linux.sh [--portable] [--venv-only] [--no-smoke] [--no-tar] [--clean]
#
#   --portable   one-file executable (dist/DenoiseDesktop-<version>-linux-x86_64) instead of
#                the default one-folder bundle (dist/DenoiseDesktop/); starts slower, because
#                it unpacks itself to a temp folder on every start.
#   --venv-only  only create/refresh the build venv (build/pkgvenv), then stop.
#   --no-smoke   skip packaging/smoke_test.py (not recommended).
#   --no-tar     skip the .tar.gz.
#   --clean      delete the build venv and PyInstaller's work folder first.
#   --pack-only  only pack the existing dist/DenoiseDesktop into the tarball.
#
# Environment:
#   PYTHON        interpreter for the build venv (default: python3; 3.10+; the bundle gets the
#                 same Python)
#   PKG_VENV      build venv (default: build/pkgvenv)
#   TORCH_VERSION torch to bundle (default: 2.13.0); always the CPU build, see below
#   TORCH_INDEX   where CPU wheels come from (default: https://download.pytorch.org/whl/cpu;
#                 not used when a local wheel for it is in $PIP_FIND_LINKS)
#   SMOKE_ARGS    extra smoke_test.py options, e.g. "--x11 --screenshot build/gui.png" to run
#                 the GUI on $DISPLAY (Xvfb) instead of offscreen
#
# Output: dist/DenoiseDesktop/ (the bundle), dist/DenoiseDesktop-<version>-linux-x86_64.tar.gz
# (bundle + .desktop file + icon + install-desktop-entry.sh), build/smoke.json (smoke report).
#
# No AppImage: appimagetool and the AppImage runtime are on neither PyPI nor Debian, and
# this build must not download binaries from elsewhere. The tarball is the Linux release.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PORTABLE=0 VENV_ONLY=0 SMOKE=1 TAR=1 CLEAN=0 PACK_ONLY=0
for arg in "$@"; do
    case "$arg" in
        --portable) PORTABLE=1 ;;
        --venv-only) VENV_ONLY=1 ;;
        --no-smoke) SMOKE=0 ;;
        --no-tar) TAR=0 ;;
        --clean) CLEAN=1 ;;
        --pack-only) PACK_ONLY=1 ;;
        -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1' "$0"; exit 0 ;;
        *) echo "build_linux.sh: unknown option: $arg (see --help)" >&2; exit 2 ;;
    esac
done

PYTHON="${PYTHON:-python3}"
VENV="${PKG_VENV:-build/pkgvenv}"
TORCH_VERSION="${TORCH_VERSION:-2.13.0}"
TORCH_INDEX="${TORCH_INDEX-https://download.pytorch.org/whl/cpu}"
WORK="build/pyinstaller"
log() { printf '\n== %s  %s\n' "$(date -u +%H:%M:%S)" "$*"; }

VERSION="$("$PYTHON" packaging/project_meta.py version)"
APP="$("$PYTHON" packaging/project_meta.py app_name)"
DIST_NAME="$("$PYTHON" packaging/project_meta.py dist_name)"
ARCH="$(uname -m)"
log "building $APP $VERSION for linux-$ARCH"

if [[ $PACK_ONLY == 0 ]]; then  # steps 1-3; --pack-only skips to the tarball
if [[ $CLEAN == 1 ]]; then
    log "clean: $VENV $WORK"
    rm -rf "$VENV" "$WORK"
fi

# --- 1. isolated build venv -------------------------------------------------------------
# Its own venv, so the bundle holds exactly the runtime dependencies (no pytest, no
# scikit-image, no dev tools) and the project installed as a normal (non-editable) package,
# which PyInstaller follows reliably.
if [[ ! -x "$VENV/bin/python" ]]; then
    log "create venv $VENV with $("$PYTHON" -V)"
    "$PYTHON" -m venv "$VENV"
fi
VPY="$VENV/bin/python"
pip_() { "$VPY" -m pip install --disable-pip-version-check "$@"; }

# torch first and from CPU wheels: PyPI's Linux torch is the CUDA build (several GB of
# nvidia-* wheels). A local "+cpu" wheel (find-links) is used as is; otherwise the CPU index.
if ! "$VPY" -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '$TORCH_VERSION')" 2>/dev/null; then
    local_wheel=""
    IFS=':' read -r -a links <<< "${PIP_FIND_LINKS:-}"
    for dir in "${links[@]}"; do
        for whl in "$dir"/torch-"$TORCH_VERSION"+cpu-*.whl; do
            [[ -e $whl ]] && local_wheel="$whl"
        done
    done
    if [[ -n $local_wheel ]]; then
        log "torch: local CPU wheel $local_wheel"
        pip_ "$local_wheel"
    elif [[ -n $TORCH_INDEX ]]; then
        log "torch: torch==$TORCH_VERSION from $TORCH_INDEX"
        pip_ --index-url "$TORCH_INDEX" --extra-index-url https://pypi.org/simple "torch==$TORCH_VERSION"
    else
        pip_ "torch==$TORCH_VERSION"
    fi
fi
"$VPY" - <<'PY'
import sys, torch
if torch.version.cuda is not None:
    sys.exit(f"build venv has a CUDA torch ({torch.__version__}); this bundle is CPU-only. "
             "Delete the venv (--clean) and install the CPU wheel.")
print("torch", torch.__version__, "(CPU)")
PY

log "install $DIST_NAME (non-editable) + PyInstaller"
pip_ ".[package]"
# A same-version rebuild is not reinstalled by default; force our own package only.
pip_ --force-reinstall --no-deps .
if "$VPY" -c "import importlib.util as u; import sys; sys.exit(u.find_spec('bm3d') is None)" 2>/dev/null; then
    echo "note: bm3d is installed in $VENV and will be bundled"
fi
[[ $VENV_ONLY == 1 ]] && { log "venv ready: $VENV"; exit 0; }

# --- 2. PyInstaller -----------------------------------------------------------------------
spec_args=()
[[ $PORTABLE == 1 ]] && spec_args=(-- --portable)
log "PyInstaller ($([[ $PORTABLE == 1 ]] && echo onefile || echo onedir))"
"$VPY" -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath "$WORK" \
    packaging/denoise_desktop.spec "${spec_args[@]}"

if [[ $PORTABLE == 1 ]]; then
    TARGET="dist/$APP-$VERSION-linux-$ARCH"
    mv -f "dist/$APP" "$TARGET"
else
    TARGET="dist/$APP"
fi

# --- 3. smoke test: the frozen app must start, denoise, show its window, run `train` -----
if [[ $SMOKE == 1 ]]; then
    log "smoke test $TARGET"
    # shellcheck disable=SC2086  # SMOKE_ARGS is a list of options
    "$VPY" packaging/smoke_test.py "$TARGET" --json build/smoke.json ${SMOKE_ARGS:-}
fi

fi  # PACK_ONLY

# --- 4. tarball ---------------------------------------------------------------------------
if [[ $PACK_ONLY == 1 ]]; then
    TARGET="dist/$APP"
    [[ -x "$TARGET/$APP" ]] || { echo "build_linux.sh: no $TARGET/$APP to pack" >&2; exit 1; }
fi
if [[ $TAR == 1 && $PORTABLE == 0 ]]; then
    TARBALL="dist/$APP-$VERSION-linux-$ARCH.tar.gz"
    STAGE="build/stage"
    log "pack $TARBALL"
    rm -rf "$STAGE"; mkdir -p "$STAGE"
    cp -al "dist/$APP" "$STAGE/$APP"           # hard links: no second copy on disk
    cp packaging/linux/denoise-desktop.desktop "$STAGE/$APP/"
    cp packaging/linux/install-desktop-entry.sh "$STAGE/$APP/"
    icon=""
    for candidate in resources/icons/app.png resources/icons/app_256.png; do
        [[ -f $candidate ]] && { icon="$candidate"; break; }
    done
    if [[ -n $icon ]]; then
        cp "$icon" "$STAGE/$APP/denoise-desktop.png"
    else
        echo "warning: no resources/icons/app.png or app_256.png; the menu entry has no icon" >&2
    fi
    tar -C "$STAGE" -czf "$TARBALL" "$APP"
    rm -rf "$STAGE"
    ls -l "$TARBALL"
fi
log "done: $TARGET"
