"""Copy a trained export into resources/weights/ as a bundled model, with its card completed.

    python scripts/bundle_weights.py RUN_DIR/export/unet_res_gray.safetensors --default --blind
    python scripts/bundle_weights.py RUN_DIR/export/conv_ae_mnist.safetensors --classic \
        --trained-on "MNIST digits (28×28) at σ 127.5"

The weights are re-saved through ``weights.save_weights`` (same format the app loads); the card
keeps everything the trainer wrote and gains the flags the registry and benchmarks read:
``default`` (the app's pick for that channel count), ``blind`` (runs on the estimated σ),
``sigma_range``, ``bundled_from`` (the run folder, for the record) and, for a reproduced classic
experiment, ``classic`` with ``trained_on`` (Compare offers it, the automatic choice never takes
it, and its results say what it was trained on). A fine-tuned export
(its recipe has ``model.init``) also records the training of the model it started from, so
the card's ``total_steps`` and ``total_train_seconds`` cover every stage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from denoise_desktop import paths, weights  # noqa: E402
from training.trainer import portable  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("source", type=Path)
    ap.add_argument("--id", help="file stem in resources/weights (default: the source stem)")
    ap.add_argument("--default", action="store_true", help="the app's default for this channel count")
    ap.add_argument("--blind", action="store_true", help="run on the estimated σ unless the user sets one")
    ap.add_argument("--sigma-range", default="", help="e.g. 0,55")
    ap.add_argument("--classic", action="store_true", help="a reproduced classic experiment: offered in "
                    "Compare, never the automatic choice")
    ap.add_argument("--trained-on", default="", metavar="TEXT",
                    help='what it was trained on, said beside its results, e.g. "MNIST digits (28×28) at σ 127.5"')
    ap.add_argument("--init", type=Path, help="the weights this export was fine-tuned from, when its card "
                    "names only the file (cards keep no machine paths)")
    args = ap.parse_args(argv)
    if args.classic and args.default:
        ap.error("--classic and --default exclude each other: a classic model is never the automatic choice")
    if args.classic and not args.trained_on.strip():
        ap.error("--classic needs --trained-on: its results must say what it was made for")
    model, card = weights.load_weights(args.source)
    card = dict(card)
    card["default"] = bool(args.default)
    card["blind"] = bool(args.blind)
    if args.sigma_range:
        card["sigma_range"] = [float(s) for s in args.sigma_range.split(",")]
    card["classic"] = bool(args.classic)
    if args.trained_on.strip():
        card["trained_on"] = args.trained_on.strip()
    if (card.get("noise") or {}).get("kind") == "bayer":  # trained on RAW mosaics: only ever used there
        card["input"] = "raw_mosaic"
    card["bundled_from"] = str(args.source.resolve().parents[1].name)
    _record_stages(card, args.init)
    dest = paths.weights_dir() / f"{args.id or args.source.stem}.safetensors"
    card["id"] = card["name"] = dest.stem
    weights.save_weights(model, dest, portable(card))  # no build-machine folders in a shipped card
    print(f"bundled {dest.relative_to(ROOT)} ({dest.stat().st_size / 1e6:.1f} MB)")
    return 0


def _record_stages(card: dict, first_init: Path | None = None) -> None:
    """Chain the cards of the models this one was fine-tuned from (read beside each init file)."""
    stages, current = list(card.get("fine_tuned_from") or []), card
    for i in range(0 if stages else 10):  # the trainer records the chain; older cards are walked
        init = ((current.get("recipe") or {}).get("model") or {}).get("init")
        if i == 0 and first_init is not None:
            init = str(first_init)
        if not init:
            break
        try:
            current = weights.read_card(init)
        except Exception:  # noqa: BLE001 - a missing card only shortens the record
            current = {}
        if not current:
            stages.append({"init": str(init), "card": "not found"})
            break
        stages.append({"recipe": (current.get("recipe") or {}).get("name"), "steps": current.get("steps"),
                       "train_seconds": current.get("train_seconds"), "val": current.get("val")})
        if current.get("fine_tuned_from"):  # a bundled model: its card already holds its chain
            stages.extend(current["fine_tuned_from"])
            break
    if stages:
        card["fine_tuned_from"] = stages
        card["total_steps"] = (card.get("steps") or 0) + sum(s.get("steps") or 0 for s in stages)
        card["total_train_seconds"] = round((card.get("train_seconds") or 0)
                                            + sum(s.get("train_seconds") or 0 for s in stages), 1)


if __name__ == "__main__":
    raise SystemExit(main())
