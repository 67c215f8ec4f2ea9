import gzip
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from training.config import ConfigError, DataConfig, NoiseConfig
from training.data import load_data
from training.data.augment import dihedral
from training.data.cache import clear_ram_cache, load_image
from training.data.folders import list_images
from training.data.patches import EpochSampler, PatchDataset, make_val_set
from training.data.split import split_items
from training.noise import make_noise


def test_split_is_seeded_disjoint_and_complete() -> None:
    items = [f"f{i}" for i in range(50)]
    tr, va = split_items(items, 0.2, seed=1)
    assert len(va) == 10 and set(tr) | set(va) == set(items) and not set(tr) & set(va)
    assert split_items(items, 0.2, seed=1) == (tr, va)
    assert split_items(items, 0.2, seed=2)[1] != va


def test_dihedral_gives_eight_distinct_transforms() -> None:
    a = np.arange(12, dtype=np.float32).reshape(3, 4, 1)
    outs = {dihedral(a, k).tobytes() + bytes(dihedral(a, k).shape) for k in range(8)}
    assert len(outs) == 8


def test_folder_listing_is_recursive_and_loads_gray_or_color(image_folder: Path) -> None:
    files = list_images(image_folder)
    assert len(files) == 8 and any(f.parent.name == "sub" for f in files)
    for f in files:
        assert load_image(f, channels=1).shape[2] == 1
        assert load_image(f, channels=3).shape[2] == 3
    with pytest.raises(FileNotFoundError, match="does not exist"):
        list_images(image_folder / "nope")


def test_validation_list_holds_out_named_files(image_folder: Path, tmp_path: Path) -> None:
    listing = tmp_path / "val.txt"
    listing.write_text("# held out\nimg2.png\nimg7.png  # in sub/\n")
    cfg = DataConfig(train=str(image_folder), val=str(listing), channels=1, patch_size=8)
    bundle = load_data(cfg, seed=0)
    assert (bundle.info["n_train"], bundle.info["n_val"]) == (6, 2)
    assert sorted(bundle.info["val_files"]) == ["img2.png", "img7.png"]
    listing.write_text("img2.png\nmissing.png\n")
    with pytest.raises(FileNotFoundError, match="missing.png"):
        load_data(cfg, seed=0)


def test_npy_cache_is_written_and_reused(image_folder: Path, _user_home: Path) -> None:
    f = list_images(image_folder)[0]
    a = load_image(f, channels=1, npy_cache=True)
    cached = list((_user_home / "cache" / "decoded").glob("*.npy"))
    assert len(cached) == 1
    clear_ram_cache()
    np.save(cached[0], a + 1)  # prove the second load reads the .npy, not the PNG
    assert np.array_equal(load_image(f, channels=1, npy_cache=True), a + 1)


def _dataset(images, **kw) -> PatchDataset:
    return PatchDataset(images, patch_size=8, patches_per_image=3, seed=5,
                        noise=make_noise(NoiseConfig(sigma=[0, 50])), **kw)


def test_patches_are_reproducible_per_sample_id() -> None:
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (20, 24, 1), dtype=np.uint8) for _ in range(4)]
    a, b = _dataset(images), _dataset(images, rescale=None)
    for gid in (0, 7, 123):
        for x, y in zip(a[gid], b[gid]):
            assert torch.equal(x, y)
    clean, noisy, level = a[1]
    assert clean.shape == noisy.shape == (1, 8, 8) and 0 <= float(level) <= 50 / 255
    assert not torch.equal(a[1][0], a[1 + len(a)][0])  # next epoch: another crop
    clean_r, _, _ = _dataset(images, rescale=[0.5, 1.0])[2]
    assert clean_r.shape == (1, 8, 8)


def test_epoch_sampler_splits_ranks_and_skips() -> None:
    kw = dict(samples_per_rank=5, seed=1, epoch=2)
    r0, r1 = list(EpochSampler(10, rank=0, world=2, **kw)), list(EpochSampler(10, rank=1, world=2, **kw))
    assert len(r0) == len(r1) == 5 and not set(r0) & set(r1)  # one permutation shared out
    assert all(20 <= i < 30 for i in r0 + r1)  # ids of epoch 2
    assert list(EpochSampler(10, rank=0, world=2, skip=3, **kw)) == r0[3:]
    long = list(EpochSampler(4, samples_per_rank=10, seed=1, epoch=0))
    assert len(long) == 10 and set(long) == {0, 1, 2, 3}


def test_val_set_is_fixed() -> None:
    images = [np.full((20, 20, 1), 128, np.uint8)] * 2
    noise = make_noise(NoiseConfig(sigma=25))
    a, b = make_val_set(images, crop=16, noise=noise, seed=3), make_val_set(images, crop=16, noise=noise, seed=3)
    assert a.noisy[0].shape == (16, 16, 1)
    assert np.array_equal(a.noisy[1], b.noisy[1]) and not np.array_equal(a.noisy[0], a.noisy[1])


def test_load_data_from_idx(tmp_path: Path) -> None:
    arr = np.random.default_rng(0).integers(0, 256, (10, 6, 6), dtype=np.uint8)
    p = tmp_path / "imgs.gz"
    p.write_bytes(gzip.compress(struct.pack(">BBBBIII", 0, 0, 8, 3, 10, 6, 6) + arr.tobytes()))
    bundle = load_data(DataConfig(kind="idx", train=str(p), val_fraction=0.2, patch_size=0), seed=0)
    assert len(bundle.train) == 8 and len(bundle.val) == 2
    assert bundle.train[0].shape == (6, 6, 1)
    color = load_data(DataConfig(kind="idx", train=str(p), val_fraction=0.2, channels=3), seed=0)
    assert color.train[0].shape == (6, 6, 3)


def test_batches_do_not_depend_on_worker_count() -> None:
    from torch.utils.data import DataLoader

    rng = np.random.default_rng(1)
    ds = _dataset([rng.integers(0, 256, (20, 24, 1), dtype=np.uint8) for _ in range(4)])
    sampler = EpochSampler(len(ds), samples_per_rank=8, seed=1, epoch=0)
    serial = [b[1] for b in DataLoader(ds, batch_size=4, sampler=sampler)]
    # the platform's default start method: spawn on Windows/macOS needs a picklable data set
    parallel = [b[1] for b in DataLoader(ds, batch_size=4, sampler=sampler, num_workers=2)]
    assert len(serial) == 2 and all(torch.equal(a, b) for a, b in zip(serial, parallel))


def test_validation_by_name_list(tmp_path: Path, image_folder: Path) -> None:
    from training.config import load_recipe

    split = tmp_path / "splits" / "val.txt"
    split.parent.mkdir()
    split.write_text("# held out\nimg1.png\nimg7.png  # in a sub-folder\n")
    recipe = tmp_path / "r.toml"
    recipe.write_text(f'[data]\ntrain = "{image_folder}"\nval = "splits/val.txt"\n')
    r = load_recipe(recipe)
    assert r.data.val == str(split)  # resolved beside the recipe: the run's copy works anywhere
    bundle = load_data(r.data, seed=0)
    assert len(bundle.val) == 2 and len(bundle.train) == 6
    split.write_text("img1.png\nnot_there.png\n")
    with pytest.raises(FileNotFoundError, match="not_there.png"):
        load_data(r.data, seed=0)


def test_validation_list_from_another_folder(tmp_path: Path, image_folder: Path) -> None:
    """Train400 lacks the held-out BSDS images: ``val_dir`` takes the listed files from elsewhere."""
    from PIL import Image
    from training.config import load_recipe

    other = tmp_path / "bsds"
    other.mkdir()
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        Image.fromarray(np.full((20, 30, 3), 100, np.uint8)).save(other / name)
    (tmp_path / "val.txt").write_text("a.jpg\nc.jpg\n")
    recipe = tmp_path / "r.toml"
    recipe.write_text(f'[data]\ntrain = "{image_folder}"\nval = "val.txt"\nval_dir = "bsds"\nchannels = 1\n')
    r = load_recipe(recipe)
    assert r.data.val_dir == str(other)
    bundle = load_data(r.data, seed=0)
    assert len(bundle.train) == 8 and len(bundle.val) == 2  # nothing held out of training
    assert all(v.shape == (20, 30, 1) for v in bundle.val)  # color files as gray
    assert bundle.info["val_files"] == ["a.jpg", "c.jpg"]
    (tmp_path / "val.txt").write_text("a.jpg\nimg1.png\n")  # a training file is not in val_dir
    with pytest.raises(FileNotFoundError, match="img1.png"):
        load_data(r.data, seed=0)
    recipe.write_text(f'[data]\ntrain = "{image_folder}"\nval_dir = "bsds"\n')
    with pytest.raises(ConfigError, match="val_dir only applies"):
        load_recipe(recipe)
