import gzip
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest

from training.data.cifar import CifarError, read_cifar_batch, read_cifar_folder
from training.data.idx import IdxError, read_idx, read_idx_images


def _idx_bytes(arr: np.ndarray) -> bytes:
    header = struct.pack(">BBBB", 0, 0, 0x08, arr.ndim) + b"".join(struct.pack(">I", s) for s in arr.shape)
    return header + arr.astype(np.uint8).tobytes()


@pytest.mark.parametrize("compressed", [False, True])
def test_idx_images_round_trip(tmp_path: Path, compressed: bool) -> None:
    arr = np.random.default_rng(0).integers(0, 256, (5, 7, 6), dtype=np.uint8)
    data = _idx_bytes(arr)
    p = tmp_path / ("x.gz" if compressed else "x")
    p.write_bytes(gzip.compress(data) if compressed else data)
    out = read_idx_images(p)
    assert out.shape == (5, 7, 6, 1) and out.dtype == np.uint8
    assert np.array_equal(out[..., 0], arr)


def test_idx_labels_are_read_but_not_as_images(tmp_path: Path) -> None:
    p = tmp_path / "labels"
    p.write_bytes(_idx_bytes(np.arange(4, dtype=np.uint8)))
    assert read_idx(p).tolist() == [0, 1, 2, 3]
    with pytest.raises(IdxError, match="expected an IDX image file"):
        read_idx_images(p)


def test_idx_bad_magic_and_truncation(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))
    with pytest.raises(IdxError, match=r"bad\b.*magic"):
        read_idx(bad)
    short = tmp_path / "short.gz"
    short.write_bytes(gzip.compress(_idx_bytes(np.zeros((3, 4, 4), np.uint8))[:-5]))
    with pytest.raises(IdxError, match="holds"):
        read_idx(short)


def _cifar_batch(path: Path, n: int, seed: int) -> np.ndarray:
    data = np.random.default_rng(seed).integers(0, 256, (n, 3072), dtype=np.uint8)
    with open(path, "wb") as f:
        pickle.dump({b"batch_label": b"x", b"labels": list(range(n)), b"data": data}, f, protocol=2)
    return data


def test_cifar_batches_read(tmp_path: Path) -> None:
    data = _cifar_batch(tmp_path / "data_batch_1", 3, 0)
    _cifar_batch(tmp_path / "data_batch_2", 2, 1)
    _cifar_batch(tmp_path / "test_batch", 4, 2)
    images, labels = read_cifar_batch(tmp_path / "data_batch_1")
    assert images.shape == (3, 32, 32, 3) and labels.tolist() == [0, 1, 2]
    # channel-planar rows → H×W×C: first red value, then first green value
    assert images[0, 0, 0, 0] == data[0, 0] and images[0, 0, 0, 1] == data[0, 1024]
    assert read_cifar_folder(tmp_path).shape[0] == 5
    assert read_cifar_folder(tmp_path, test=True).shape[0] == 4


class _Evil:
    def __reduce__(self):
        import os

        return (os.system, ("echo pwned > /dev/null",))


def test_cifar_reader_refuses_code_in_pickles(tmp_path: Path) -> None:
    p = tmp_path / "data_batch_1"
    with open(p, "wb") as f:
        pickle.dump({b"data": _Evil()}, f)
    with pytest.raises(CifarError, match="not allowed"):
        read_cifar_batch(p)


def test_cifar_reader_rejects_other_files(tmp_path: Path) -> None:
    p = tmp_path / "data_batch_1"
    p.write_bytes(b"not a pickle at all")
    with pytest.raises(CifarError, match="data_batch_1"):
        read_cifar_batch(p)
    with pytest.raises(CifarError, match="no CIFAR-10"):
        read_cifar_folder(tmp_path / "empty")
