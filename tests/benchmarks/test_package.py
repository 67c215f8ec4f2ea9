"""The benchmarks package: its index, records, the results page, and the shared pieces (cases,
runner, timing) on tiny generated images — no data set needed."""

from __future__ import annotations

import ast
import importlib
import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import benchmarks
from benchmarks import data, records, report, runner, timing
from benchmarks.__main__ import listing
from benchmarks.__main__ import main as bench_main
from denoise_desktop import protocol

HERE = Path(benchmarks.__file__).parent


def test_index_lists_every_benchmark_module_and_experiment(capsys):
    helpers = {"__init__", "__main__", "data", "runner", "timing", "records", "report", "plots"}
    modules = {p.stem for p in HERE.glob("*.py")} - helpers
    assert modules == {e.name for e in benchmarks.INDEX}  # a new benchmark: one module + one INDEX line
    assert bench_main([]) == 0
    out = capsys.readouterr().out
    for e in benchmarks.INDEX:
        assert re.search(rf"\b{e.name}\b +~{e.minutes:g} min  {re.escape(e.what)}", out)
    for name, question in benchmarks.experiments():
        assert name in out and question.endswith("?")  # each experiment opens with its question
    assert bench_main(["no_such_thing"]) == 2


def test_experiments_say_question_and_answer():
    for p in sorted((HERE / "experiments").glob("*.py")):
        if p.name == "__init__.py":
            continue
        doc = ast.get_docstring(ast.parse(p.read_text(encoding="utf-8")))
        assert doc and doc.splitlines()[0].endswith("?") and "\nAnswer: " in doc, p.name


def test_no_benchmark_edits_sys_path_and_report_ones_take_record():
    for p in HERE.rglob("*.py"):
        assert "sys.path" not in p.read_text(encoding="utf-8"), p
    for e in benchmarks.INDEX:
        if e.report:
            src = (HERE / f"{e.name}.py").read_text(encoding="utf-8")
            assert '"--record"' in src and "records.write(" in src, e.name
            assert hasattr(importlib.import_module(f"benchmarks.{e.name}"), "main")


def test_table_and_record_round_trip(tmp_path):
    t = records.Table("real", "a caption", ["method", "PSNR"])
    t.add("noisy | input", 1.5)
    with pytest.raises(ValueError):
        t.add("too", "many", "cells")
    assert t.markdown() == ["| method | PSNR |", "|---|---|", "| noisy \\| input | 1.5 |"]
    path = records.write("x-1", "A title", [t], command="python -m benchmarks.x --record", folder=tmp_path,
                         data={"k": [1.0]}, notes=["a note"], seconds=61)
    rec = json.loads(path.read_text())
    assert rec["command"] == "python -m benchmarks.x --record" and rec["machine"]["flags"] and rec["data"] == {"k": [1.0]}
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", rec["date"])
    (back,) = records.load_all(tmp_path)
    assert back["tables"][0] == t
    with pytest.raises(ValueError, match="unknown section"):
        records.write("y", "t", [records.Table("nowhere", "c", ["a"])], command="c", folder=tmp_path)
    assert records.command("benchmarks.x", ["--a", "1"]) == "python -m benchmarks.x --a 1"


def test_write_section_replaces_only_its_own(tmp_path):
    page = tmp_path / "p.md"
    page.write_text("# P\n\n## A\n\nold a\n\n## B\n\nb\n")
    records.write_section(page, "A", "new a")
    records.write_section(page, "C", "c")
    assert page.read_text() == "# P\n\n## A\n\nnew a\n## B\n\nb\n\n## C\n\nc\n"


def _fake_records(tmp_path: Path) -> list[dict]:
    t1 = records.Table("synthetic", "Set12", ["method", "σ 25"])
    t1.add("ours", "30.00 / 0.850")
    t2 = records.Table("memory", "peak", ["photo", "RSS"])
    t2.add("50 MP", "1.2 GiB")
    records.write("quality-gray", "Gaussian noise, Set12", [t1], command="python -m benchmarks.quality --record",
                  folder=tmp_path, plots=["results/quality-gray.png"], notes=["n1"])
    records.write("speed", "Speed and memory", [t2], command="python -m benchmarks.speed --record", folder=tmp_path)
    return records.load_all(tmp_path)


def test_results_page_says_command_and_machine_for_every_table(tmp_path):
    page = report.render(_fake_records(tmp_path))
    lines = page.splitlines()
    assert len(lines) <= 250 and lines[0] == "# Results"
    assert [ln for ln in lines if ln.startswith("## ")] == [f"## {h}" for _, h in records.SECTIONS]
    for cmd in ("python -m benchmarks.quality --record", "python -m benchmarks.speed --record"):
        (prov,) = [ln for ln in lines if f"`{cmd}`" in ln]
        assert "CPU flags:" in prov and "logical CPUs" in prov
    assert "![Gaussian noise, Set12](results/quality-gray.png)" in page and "\nn1\n" in page
    assert not re.search(r"\b(session|issue|stop)s?\b", page, re.I)
    assert page.index("## Memory") < page.index("| 50 MP | 1.2 GiB |")


def test_report_renders_without_running(tmp_path, monkeypatch):
    _fake_records(tmp_path)
    monkeypatch.setattr(report, "RESULTS", tmp_path)
    out = tmp_path / "results.md"
    assert report.main(["--no-run", "--out", str(out)]) == 0
    assert out.read_text().startswith("# Results")
    monkeypatch.setattr(report, "RESULTS", tmp_path / "empty")
    (tmp_path / "empty").mkdir()
    assert report.main(["--no-run", "--out", str(out)]) == 1


def test_report_runs_each_entry_in_a_fresh_process_with_record(monkeypatch):
    calls = []

    class Done:
        returncode = 0

    monkeypatch.setattr(report.subprocess, "run", lambda cmd, cwd: calls.append(cmd[1:]) or Done())
    entry = benchmarks.Entry("speed", "w", 1, (("--threads", "2"), ("--quick",)))
    assert report.run([entry], log=open("/dev/null", "w")) == []
    assert calls == [["-m", "benchmarks.speed", "--threads", "2", "--record"], ["-m", "benchmarks.speed", "--quick", "--record"]]
    quick = [e.name for e in benchmarks.INDEX if e.report and e.quick]
    assert quick and sum(e.minutes for e in benchmarks.INDEX if e.quick) <= 10  # report --quick on two cores


# -- shared pieces on tiny images ---------------------------------------------------------------

def _scene(seed: int, c: int = 3) -> np.ndarray:
    yy, xx = np.mgrid[0:36, 0:44].astype(np.float32)
    img = np.stack([60 + 120 * xx / 44, 60 + 120 * yy / 36, 120 + 40 * np.sin(xx / (4 + seed))][:c], axis=2)
    return img.round().astype(np.uint8)


def test_real_pairs_and_cases(tmp_path):
    for i in range(2):
        Image.fromarray(_scene(i)).save(tmp_path / f"a{i}_mean.png")
        Image.fromarray(np.clip(_scene(i).astype(int) + 9, 0, 255).astype(np.uint8)).save(tmp_path / f"a{i}_real.png")
    pairs = data.real_pairs(tmp_path)
    assert len(pairs) == 2 and pairs[0][2] is None and pairs[0][0].shape == (36, 44, 3)
    assert data.real_pairs(tmp_path, limit=1, channels=1)[0][1].shape == (36, 44, 1)
    assert np.array_equal(data.gray8(pairs[0][1]), protocol.as_channels(pairs[0][1], 1))
    cleans = [p[1] for p in pairs]
    cases = data.noisy_cases(cleans, 25)
    assert all(np.array_equal(x, protocol.noisy(c, 25, i)) and s == 25.0 for i, (x, c, s) in enumerate(cases))
    jp = data.noisy_cases(cleans, 25, jpeg=True)[0][0]
    assert jp.shape == cases[0][0].shape and not np.array_equal(jp, cases[0][0])
    assert data.jpeg420(cleans[0][..., :1]).shape == (36, 44, 1)
    Image.fromarray(_scene(0)).save(tmp_path / "c.png")
    assert data.load_cleans([tmp_path / "c.png"], 1)[0].shape == (36, 44, 1)


def test_runner_scores_methods_side_by_side():
    cases = data.noisy_cases([_scene(i).astype(np.float32) / 255 for i in range(2)], 20)
    blur = runner.Method("blur", lambda x, s: (x + np.roll(x, 1, 0) + np.roll(x, 1, 1)) / 3, "none")
    seen = []

    class Given:
        def denoise(self, x, sigma=None):
            seen.append(sigma)
            return x

    rows = runner.score_cases(cases, [blur, runner.model_method("id", Given(), "true")])
    assert [r["method"] for r in rows] == ["noisy input", "blur", "id"] and seen == [20.0, 20.0]
    assert rows[2]["psnr"] == pytest.approx(rows[0]["psnr"]) and rows[1]["n"] == 2
    assert rows[1]["megapixels"] == pytest.approx(2 * 36 * 44 / 1e6) and rows[1]["cpu_seconds"] >= 0
    x, c, s = cases[0]
    assert runner.saved_psnr(Given(), x, c, s) == pytest.approx(protocol.score(c, x)["psnr"])


def test_timing_and_machine():
    out, wall, cpu = timing.timed(lambda: sum(range(10000)))
    assert out == sum(range(10000)) and wall >= 0 and cpu >= 0
    med = timing.interleaved({"a": lambda: None, "b": lambda: None}, reps=3)
    assert set(med) == {"a", "b"} and med["a"]["runs"] == 3
    m = timing.machine()
    assert m["logical_cpus"] >= 1 and m["flags"] and "cpu" in m
