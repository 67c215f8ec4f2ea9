import json
import subprocess
import sys
from pathlib import Path

import pytest

from training.events import EventWriter, parse_line


def test_writer_output_parses(tmp_path: Path) -> None:
    path = tmp_path / "ev.jsonl"
    w = EventWriter(str(path), progress=False)
    w.emit("start", run_dir="/r", total_steps=10)
    w.emit("step", step=1, loss=float("nan"), lr=1e-3)
    w.emit("done", reason="finished", step=10)
    w.close()
    events = [parse_line(line) for line in path.read_text().splitlines()]
    assert [e.type for e in events] == ["start", "step", "done"]
    assert events[0].total_steps == 10 and events[0].get("run_dir") == "/r"
    assert events[1].loss is None  # NaN travels as null: still valid JSON
    assert all(json.loads(line)["v"] == 1 for line in path.read_text().splitlines())


def test_non_events_and_bad_versions() -> None:
    assert parse_line("") is None
    assert parse_line("Epoch 1: loading...") is None
    assert parse_line('{"foo": 1}') is None
    assert parse_line("{not json") is None
    with pytest.raises(ValueError, match="version"):
        parse_line('{"v": 2, "type": "step"}')
    with pytest.raises(ValueError, match="unknown event type"):
        parse_line('{"v": 1, "type": "bogus"}')
    with pytest.raises(ValueError):
        EventWriter(None).emit("bogus")


def test_disabled_writer_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "ev.jsonl"
    w = EventWriter(str(path), enabled=False)
    w.emit("step", step=1)
    assert not path.exists()


def test_parse_line_works_without_torch() -> None:
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from training.events import parse_line\n"
        "e = parse_line('{\"v\": 1, \"type\": \"epoch\", \"val_psnr\": 30.5}')\n"
        "assert e.type == 'epoch' and e.val_psnr == 30.5\n"
        "assert not any(m == 'torch' or m.startswith('torch.') for m in sys.modules if sys.modules[m] is not None)\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
