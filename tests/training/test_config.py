from pathlib import Path

import pytest

from training.config import ConfigError, dump_toml, load_recipe, parse_override, recipe_from_dict, recipes_dir


def test_unknown_key_is_an_error_naming_it(tmp_path: Path) -> None:
    p = tmp_path / "r.toml"
    p.write_text('[optim]\nlr = 1e-3\nlearning_rate = 2\n')
    with pytest.raises(ConfigError, match=r"\[optim\]: learning_rate"):
        load_recipe(p)


def test_unknown_section_is_an_error() -> None:
    with pytest.raises(ConfigError, match="optimiser"):
        recipe_from_dict({"optimiser": {"lr": 1}})


def test_wrong_type_is_an_error() -> None:
    with pytest.raises(ConfigError, match="train.epochs"):
        recipe_from_dict({"train": {"epochs": "ten"}})
    with pytest.raises(ConfigError, match="noise.sigma"):
        recipe_from_dict({"noise": {"sigma": [50, 10]}})
    with pytest.raises(ConfigError, match="train.loss"):
        recipe_from_dict({"train": {"loss": "huber"}})


def test_set_overrides_parse_toml_literals(tmp_path: Path) -> None:
    p = tmp_path / "r.toml"
    p.write_text('name = "x"\n[optim]\nlr = 1e-3\n')
    r = load_recipe(p, ["optim.lr=2.5e-4", "noise.sigma=[0, 55]", "noise.quantize_8bit=true",
                        "data.train=/some/folder with space", "model.hparams.depth=5", 'name="y"'])
    assert r.optim.lr == 2.5e-4
    assert r.noise.sigma == [0, 55]
    assert r.noise.quantize_8bit is True
    assert r.data.train == "/some/folder with space"
    assert r.model.hparams == {"depth": 5}
    assert r.name == "y"


def test_set_never_evaluates_code() -> None:
    _, value = parse_override("data.train=__import__('os').getcwd()")
    assert value == "__import__('os').getcwd()"  # a plain string, not a result
    with pytest.raises(ConfigError, match="valid TOML"):
        parse_override("noise.sigma=[1, 2")
    with pytest.raises(ConfigError, match="section.key"):
        parse_override("lr")
    with pytest.raises(ConfigError, match="unknown key"):
        load_recipe(None, ["optim.momentum=0.9"])


def test_dump_round_trips(tmp_path: Path) -> None:
    r = recipe_from_dict({"name": "rt", "noise": {"sigma": [0, 55], "quantize_8bit": True},
                          "model": {"arch": "dncnn", "hparams": {"depth": 4}}})
    p = tmp_path / "rt.toml"
    p.write_text(dump_toml(r))
    again = load_recipe(p)
    assert again.to_dict() == r.to_dict()


@pytest.mark.parametrize("path", sorted(recipes_dir().glob("*.toml")), ids=lambda p: p.stem)
def test_bundled_recipes_load(path: Path) -> None:
    r = load_recipe(path)
    assert r.name == path.stem
    assert r.model.arch


def test_cli_print_recipe_applies_set_and_threads(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from training import cli

    p = tmp_path / "r.toml"
    p.write_text('name = "x"\n')
    assert cli.main([str(p), "--set", "optim.lr=0.01", "--threads", "1", "--device", "cpu", "--print-recipe"]) == 0
    r = recipe_from_dict(__import__("tomllib").loads(capsys.readouterr().out))
    assert r.optim.lr == 0.01 and r.train.threads == 1 and r.train.device == "cpu"


def test_extends_merges_tables_key_by_key_and_keeps_its_own_name(tmp_path: Path) -> None:
    (tmp_path / "splits").mkdir()
    (tmp_path / "splits" / "val.txt").write_text("a.png\n")
    (tmp_path / "base.toml").write_text(
        'name = "base"\ndescription = "d"\n[model]\narch = "dncnn"\nhparams = {depth = 4, features = 8}\n'
        '[data]\nval = "splits/val.txt"\nbatch_size = 4\n[optim]\nlr = 0.01\n')
    child = tmp_path / "sub" / "stage2.toml"
    child.parent.mkdir()
    child.write_text('extends = "../base.toml"\n[model]\nhparams = {depth = 6}\n[optim]\nlr = 0.001\n')
    r = load_recipe(child, ["data.batch_size=2"])
    assert r.name == "stage2" and r.description == "d"
    assert r.model.arch == "dncnn" and r.model.hparams == {"depth": 6, "features": 8}
    assert r.optim.lr == 0.001 and r.data.batch_size == 2
    # the base's relative path is taken beside the base, not beside the child
    assert r.data.val == str((tmp_path / "splits" / "val.txt").resolve())
    assert "extends" not in __import__("tomllib").loads(dump_toml(r))  # the run's copy is whole


def test_extends_prefers_the_base_beside_the_recipe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "here").mkdir()
    (tmp_path / "here" / "base.toml").write_text("[optim]\nlr = 0.5\n")
    (tmp_path / "base.toml").write_text("[optim]\nlr = 0.25\n")  # same name in the working folder
    (tmp_path / "here" / "child.toml").write_text('extends = "base.toml"\n')
    monkeypatch.chdir(tmp_path)
    assert load_recipe(tmp_path / "here" / "child.toml").optim.lr == 0.5


def test_extends_a_bundled_recipe_by_name(tmp_path: Path) -> None:
    p = tmp_path / "mine.toml"
    p.write_text('extends = "default_gray"\n[train]\nepochs = 1\n')
    r, base = load_recipe(p), load_recipe("default_gray")
    assert r.train.epochs == 1 and r.model.arch == base.model.arch and r.data.train == base.data.train


def test_extends_cycle_and_missing_base_are_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('extends = "b"\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n')
    with pytest.raises(ConfigError, match="extends itself"):
        load_recipe(tmp_path / "a.toml")
    (tmp_path / "c.toml").write_text('extends = "nowhere"\n')
    with pytest.raises(ConfigError, match="nowhere.*not found.*c.toml"):
        load_recipe(tmp_path / "c.toml")
    (tmp_path / "d.toml").write_text("extends = 3\n")
    with pytest.raises(ConfigError, match="extends must be"):
        load_recipe(tmp_path / "d.toml")
