"""``python -m training RECIPE.toml [--set a.b=c ...] [--events PATH|-] [--resume RUN_DIR|auto]``.

Also the ``denoise-train`` console script and ``denoise-desktop train``. Works the same under
``torchrun --nproc_per_node=N -m training ...`` (see :mod:`training.ddp`).
Exit codes: 0 finished or stopped on request, 1 training failed, 2 bad recipe/arguments or unusable data.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import traceback
from pathlib import Path
from typing import Sequence

from .config import ConfigError, dump_toml, load_recipe
from .events import EventWriter

__all__ = ["main", "build_parser", "find_auto_resume"]

RECIPE_COPY = "recipe.toml"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="denoise-train", description="Train a denoising network from a TOML recipe.")
    p.add_argument("recipe", nargs="?", help="recipe .toml (or the name of a bundled one); optional with --resume RUN_DIR")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="SECTION.KEY=VALUE",
                   help="override a recipe value (TOML literal), repeatable")
    p.add_argument("--events", metavar="PATH|-", help="write JSON-line events to PATH or stdout (-)")
    p.add_argument("--resume", metavar="RUN_DIR|auto", help="continue a run from its last checkpoint")
    p.add_argument("--run-dir", metavar="DIR", help="run folder (default: a new folder under the user runs dir)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], help="overrides train.device")
    p.add_argument("--threads", type=int, help="torch CPU threads (overrides train.threads; 0 = all cores)")
    p.add_argument("--no-stdin", action="store_true", help="do not read 'stop' from stdin")
    p.add_argument("--print-recipe", action="store_true", help="print the resolved recipe and exit")
    return p


def _run_complete(run_dir: Path) -> bool:
    """True when the run's events end with a ``done`` that was not a stop/time-budget exit."""
    events = run_dir / "events.jsonl"
    if not events.exists():
        return False
    last = ""
    with open(events, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.strip():
                last = line
    try:
        obj = json.loads(last)
    except json.JSONDecodeError:
        return False
    return obj.get("type") == "done" and obj.get("reason") in ("finished", "early_stop")


def find_auto_resume(name: str, run_dir: str | None) -> Path | None:
    """``--resume auto``: the given run folder if it has a checkpoint, else the newest unfinished
    run of this recipe name under the runs folder; ``None`` = start fresh."""
    from denoise_desktop import paths

    from .checkpoint import STATE_FILE

    if run_dir:
        d = Path(run_dir)
        return d if (d / "state" / STATE_FILE).exists() else None
    candidates = [d for d in paths.runs_dir().glob(f"{name}-*")
                  if (d / "state" / STATE_FILE).exists() and not _run_complete(d)]
    return max(candidates, key=lambda d: (d / "state" / STATE_FILE).stat().st_mtime, default=None)


def _new_run_dir(root: Path, name: str) -> Path:
    """``<name>-<date>-<time>``, with a counter when that folder already exists (same second)."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    candidate, n = root / f"{name}-{stamp}", 1
    while candidate.exists():
        candidate, n = root / f"{name}-{stamp}-{n}", n + 1
    candidate.mkdir(parents=True)
    return candidate


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(list(argv) if argv is not None else None)
    recipe_path = args.recipe
    resume_dir: Path | None = None
    if args.resume and args.resume != "auto":
        resume_dir = Path(args.resume)
        if not resume_dir.is_dir():
            print(f"error: --resume {resume_dir}: no such run folder", file=sys.stderr)
            return 2
        if args.run_dir and Path(args.run_dir).resolve() != resume_dir.resolve():
            print("error: --resume RUN_DIR continues in RUN_DIR; leave out --run-dir", file=sys.stderr)
            return 2
        if recipe_path is None:
            recipe_path = str(resume_dir / RECIPE_COPY)
    if recipe_path is None:
        print("error: a recipe is required (or --resume RUN_DIR)", file=sys.stderr)
        return 2
    try:
        recipe = load_recipe(recipe_path, args.overrides)
        if args.device:
            recipe.train.device = args.device
        if args.threads is not None:
            recipe.train.threads = args.threads
    except ConfigError as exc:
        return _config_error(exc, args)
    if args.print_recipe:
        print(dump_toml(recipe), end="")
        return 0
    if args.run_dir and _would_overwrite_the_recipe(Path(args.run_dir), recipe.source):
        return _config_error(ConfigError(
            f"--run-dir {args.run_dir} holds the recipe {recipe.source}, which a run rewrites as its "
            f"{RECIPE_COPY}; choose another run folder (or leave --run-dir out)"), args)
    return _train(recipe, args, resume_dir)


def _would_overwrite_the_recipe(run_dir: Path, source: str) -> bool:
    """Whether the run's recipe copy would land on the recipe file itself (a run folder being
    resumed, with its checkpoint, rewrites its own copy on purpose)."""
    from .checkpoint import STATE_FILE

    copy = run_dir / RECIPE_COPY
    try:
        return copy.samefile(source) and not (run_dir / "state" / STATE_FILE).exists()
    except OSError:  # no such file: nothing to overwrite
        return False


def _config_error(exc: ConfigError, args) -> int:
    """A bad recipe or argument: one line on stderr (and an event for the GUI), exit 2."""
    print(f"error: {exc}", file=sys.stderr)
    if args.events:  # the GUI reads errors from the event stream (stdout, or the file it named)
        try:
            writer = EventWriter(args.events, progress=False)
        except OSError:
            return 2  # (its folder is missing: stderr has said it)
        writer.emit("error", message=str(exc))
        writer.close()
    return 2


def _train(recipe, args, resume_dir: Path | None) -> int:
    import torch  # after argument checks: `--help` and config errors stay fast

    from . import ddp
    from .checkpoint import CheckpointError, clean_stale_temps
    from .data import DataError
    from .trainer import Trainer, check_model

    try:
        check_model(recipe)  # before any data is read: a bad arch/hparam is a recipe error
    except ConfigError as exc:
        return _config_error(exc, args)

    if recipe.train.threads > 0:
        torch.set_num_threads(recipe.train.threads)
    events: EventWriter | None = None
    info = None
    try:
        info = ddp.init_from_env(recipe.train.device)
        if args.resume == "auto":
            resume_dir = ddp.broadcast_object(find_auto_resume(recipe.name, args.run_dir) if info.is_main else None, info)
        run_dir = Path(args.run_dir) if args.run_dir else resume_dir
        if run_dir is None:
            from denoise_desktop import paths

            run_dir = ddp.broadcast_object(_new_run_dir(paths.runs_dir(), recipe.name) if info.is_main else None, info)
        run_dir = Path(run_dir)
        if info.is_main:
            run_dir.mkdir(parents=True, exist_ok=True)
            (run_dir / "export").mkdir(exist_ok=True)
            (run_dir / "state").mkdir(exist_ok=True)
            clean_stale_temps(run_dir / "state")  # left by a killed run's checkpoint save
            (run_dir / "STOP").unlink(missing_ok=True)  # a stop from an earlier process is spent
            (run_dir / RECIPE_COPY).write_text(dump_toml(recipe), encoding="utf-8")
        ddp.barrier(info)
        events = EventWriter(args.events, enabled=info.is_main, mirror=str(run_dir / "events.jsonl"))
        watch_stdin = not args.no_stdin and sys.stdin is not None and not sys.stdin.closed
        trainer = Trainer(recipe, run_dir, events, info, watch_stdin=watch_stdin)
        if resume_dir is not None and not trainer.resume():
            raise FileNotFoundError(f"--resume {resume_dir}: no checkpoint in {run_dir / 'state'}")
        trainer.run()
        # Rank 0 finishes later (export, last events): tearing the gloo group down while the
        # peer is still at work aborted rank 1 ("terminate called without an active exception").
        ddp.barrier(info)
        return 0
    except KeyboardInterrupt:
        if events is not None:
            events.emit("error", message="interrupted")
        return 130
    except (CheckpointError, DataError, FloatingPointError) as exc:  # the message says what to do, no traceback
        if events is None:
            print(f"error: {exc}", file=sys.stderr)
        else:
            events.emit("error", message=str(exc))  # shown on stderr too, once
        return 2 if isinstance(exc, DataError) else 1  # unusable data is a recipe error
    except Exception as exc:  # noqa: BLE001 - report every failure as an event and exit 1
        message = f"{type(exc).__name__}: {exc}"
        if events is None and (info is None or info.is_main):
            events = EventWriter(args.events, progress=False)
            print(f"error: {message}", file=sys.stderr)
        if events is not None:
            events.emit("error", message=message, traceback=traceback.format_exc())
        traceback.print_exc(file=sys.stderr)
        return 1
    finally:
        if events is not None:
            events.close()
        if info is not None:
            ddp.cleanup(info)
