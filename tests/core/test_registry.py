"""The registry: bundled + user + classical listing, ids, loading, and the default choice."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from denoise_desktop import paths, registry, weights
from denoise_desktop.models import build


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    bundled = tmp_path / "bundled"
    bundled.mkdir()
    monkeypatch.setenv("DENOISE_DESKTOP_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(paths, "weights_dir", lambda: bundled)
    return bundled, paths.user_models_dir()


def tiny_unet(channels: int):
    return build("unet_res", in_channels=channels, features=4, max_features=8).eval()


def test_lists_classical_bundled_and_user(dirs):
    bundled, user = dirs
    weights.save_weights(tiny_unet(3), bundled / "unet_res_color.safetensors", {"name": "UNet color", "default": True})
    weights.save_weights(build("dncnn", "gray", depth=3, features=4), user / "my_dncnn.safetensors", {})
    (user / "broken.safetensors").write_bytes(b"not a model")  # skipped, does not break the list
    entries = {e.id: e for e in registry.list_models()}
    assert {"nlm", "bilateral", "median", "gaussian"} <= entries.keys()
    assert "broken" not in entries
    b, u = entries["unet_res_color"], entries["my_dncnn"]
    assert (b.kind, b.source, b.name, b.channels, b.takes_sigma, b.arch) == (
        "network", "bundled", "UNet color", (3,), True, "unet_res")
    assert (u.kind, u.source, u.channels, u.takes_sigma, u.arch) == ("network", "user", (1,), False, "dncnn")
    assert u.path == user / "my_dncnn.safetensors" and b.card["default"] is True
    assert all(e.kind == "classical" and e.channels == (1, 3) for e in entries.values() if e.path is None)


def test_user_id_colliding_with_bundled_is_prefixed(dirs):
    bundled, user = dirs
    weights.save_weights(tiny_unet(1), bundled / "same.safetensors", {})
    weights.save_weights(tiny_unet(1), user / "same.safetensors", {})
    weights.save_weights(tiny_unet(1), user / "nlm.safetensors", {})
    ids = [e.id for e in registry.list_models()]
    assert ids.count("same") == 1 and "user:same" in ids and "user:nlm" in ids
    assert registry.get("user:same").source == "user"


def test_get_unknown_names_known_ids(dirs):
    with pytest.raises(KeyError, match="unknown model 'nope'.*nlm"):
        registry.get("nope")


def test_default_prefers_bundled_unet_for_the_channel_count(dirs):
    bundled, _ = dirs
    assert registry.default_model_id((3,)) == registry.FALLBACK_ID == "nlm"
    weights.save_weights(build("dncnn", "color", depth=3, features=4), bundled / "dn_color.safetensors", {"default": True})
    weights.save_weights(tiny_unet(3), bundled / "unet_color.safetensors", {"default": True})
    weights.save_weights(tiny_unet(1), bundled / "unet_gray_nodefault.safetensors", {})
    assert registry.default_model_id((3,)) == "unet_color"
    assert registry.default_model_id(3) == "unet_color"
    assert registry.default_model_id((1,)) == "nlm"  # no gray model is marked default


def test_load_classical_and_network(dirs):
    bundled, _ = dirs
    weights.save_weights(tiny_unet(1), bundled / "u.safetensors", {})
    img = np.random.default_rng(0).random((37, 53, 1), dtype=np.float32)
    nlm = registry.load("nlm")
    assert nlm.id == "nlm" and nlm.takes_sigma and nlm.channels == (1, 3)
    assert nlm.denoise(img, sigma=25).shape == img.shape
    engine = pytest.importorskip("denoise_desktop.engine")
    dn = registry.load("u", device="cpu", channels=1)
    assert isinstance(dn, engine.NetworkDenoiser)
    assert dn.id == "u" and dn.takes_sigma and dn.channels == (1,)
    out = dn.denoise(img, sigma=25)
    assert out.shape == img.shape and out.dtype == np.float32 and np.isfinite(out).all()
    assert dn.sigma_range is None  # the card gives none


@pytest.mark.parametrize("given,expected", [([0, 55], (0.0, 55.0)), ([25, 25], (25.0, 25.0)),
                                            ("0-55", None), ([55, 0], None), ([-5, 10], None), (None, None)])
def test_the_cards_sigma_range_reaches_the_engine(dirs, given, expected):
    pytest.importorskip("denoise_desktop.engine")
    bundled, _ = dirs
    weights.save_weights(tiny_unet(1), bundled / "r.safetensors", {"sigma_range": given})
    assert registry.load("r", device="cpu").sigma_range == expected


def test_broken_files(dirs):
    bundled, _ = dirs
    path = weights.save_weights(tiny_unet(1), bundled / "cut.safetensors", {})
    path.write_bytes(path.read_bytes()[:-64])  # truncated: not listed, so not loadable by id
    assert "cut" not in [e.id for e in registry.list_models()]
    # a valid header whose tensors do not fit the architecture: listed as broken, loading says why
    from safetensors.torch import save_file

    save_file({"head.weight": torch.zeros(1)}, str(bundled / "bad.safetensors"),
              metadata={"format": weights.FORMAT, "arch": "unet_res", "hparams": "{}"})
    assert "bad" not in [e.id for e in registry.list_models()]
    assert {b.id: "do not match" in b.reason for b in registry.broken_models()} == {"cut": False, "bad": True}
    with pytest.raises(weights.WeightsError, match="bad.safetensors.*do not match"):
        registry.load("bad", device="cpu")


@pytest.mark.parametrize("card,classic,trained_on", [
    ({"classic": True, "trained_on": "MNIST digits (28×28) at σ 127.5"}, True, "MNIST digits (28×28) at σ 127.5"),
    ({}, False, None),  # an ordinary model's card has neither
    ({"classic": "yes", "trained_on": 42}, False, None),  # malformed: ignored, the model still listed
    ({"classic": True, "trained_on": ["MNIST"]}, True, None),
    ({"classic": 1, "trained_on": "  CIFAR-10  "}, False, "CIFAR-10"),
])
def test_classic_and_trained_on_come_from_the_card(dirs, card, classic, trained_on):
    bundled, _ = dirs
    weights.save_weights(build("dncnn", "gray", depth=3, features=4), bundled / "c.safetensors", card)
    e = registry.get("c")
    assert (e.classic, e.trained_on) == (classic, trained_on)
    note = registry.trained_on_note("c")
    if classic and trained_on:
        assert note == f"c was trained on {trained_on}; on other images expect poor results"
    else:
        assert note is None
    assert registry.trained_on_note("nlm") is None and registry.trained_on_note("nope") is None
    assert (registry.get("nlm").classic, registry.get("nlm").trained_on) == (False, None)


@pytest.mark.parametrize("kind,noted", [("idx", True), ("cifar", True), ("folder", False)])
def test_a_user_model_trained_on_digits_or_thumbnails_says_so(dirs, kind, noted):
    _, user = dirs
    card = {"trained_on": "500 28×28 gray images from train-images-idx3-ubyte.gz at σ 127.5", "data": {"kind": kind}}
    weights.save_weights(build("dncnn", "gray", depth=3, features=4), user / "mine.safetensors", card)
    note = registry.trained_on_note("mine")
    assert (note is not None) == noted
    if noted:
        assert "28×28" in note and "expect poor results" in note


def test_default_never_picks_a_classic_model(dirs):
    bundled, _ = dirs
    # even a card that (wrongly) says default: a digit model must not be the photo default
    weights.save_weights(tiny_unet(1), bundled / "classic_unet.safetensors",
                         {"default": True, "classic": True, "trained_on": "MNIST digits"})
    assert registry.default_model_id((1,)) == registry.FALLBACK_ID
    weights.save_weights(build("dncnn", "gray", depth=3, features=4), bundled / "dn_gray.safetensors",
                         {"default": True})
    assert registry.default_model_id((1,)) == "dn_gray"  # (unet_res preferred, but not a classic one)


@pytest.mark.parametrize("augment,passes", [(False, 1), (True, 4), (None, 4)])
def test_networks_trained_without_flips_run_one_pass(dirs, augment, passes):
    """The flip ensemble shows a network turned copies of the image: only those trained on such."""
    bundled, _ = dirs
    card = {} if augment is None else {"recipe": {"data": {"augment": augment}}}
    weights.save_weights(build("dncnn", "gray", depth=3, features=4), bundled / "d.safetensors", card)
    dn = registry.load("d", device="cpu", ensemble=4)
    assert dn.ensemble == passes
    dn.set_ensemble(8)
    assert dn.ensemble == (1 if augment is False else 8)


def test_models_named_alike_get_distinct_names_in_the_pickers(dirs):
    """Issue 26, item 7: a retrained bundled model and two runs of one recipe never read the same."""
    bundled, user = dirs
    weights.save_weights(tiny_unet(1), bundled / "dncnn_gray_s25.safetensors", {"name": "dncnn_gray_s25"})
    weights.save_weights(tiny_unet(1), user / "dncnn_gray_s25.safetensors", {"name": "dncnn_gray_s25"})
    weights.save_weights(tiny_unet(1), user / "run_a.safetensors", {"name": "my_model"})
    weights.save_weights(tiny_unet(1), user / "run_b.safetensors", {"name": "my_model"})
    names = {e.id: e.name for e in registry.list_models() if e.kind == "network"}
    assert names["dncnn_gray_s25"] == "dncnn_gray_s25"  # the bundled one keeps its name
    assert names["user:dncnn_gray_s25"] == "dncnn_gray_s25 (user:dncnn_gray_s25)"
    assert names["run_a"] == "my_model" and names["run_b"] == "my_model (run_b)"
    assert len(set(names.values())) == len(names)
