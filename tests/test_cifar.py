"""CIFAR-10 loading, from tiny files the tests write in the real on-disk format, with no network access."""

import hashlib
import io
import os
import pickle
import re
import tarfile
from pathlib import Path

import numpy as np
import pytest
import torch
from real_formats import ORIGINAL, PER_BATCH, REPICKLED
from real_formats import cifar_pickle as _pickle
from real_formats import write_cifar as _write_cifar

from prunability.data.cifar import CIFAR10_URL, FOLDER, TEST_FILE, TRAIN_FILES, load_cifar10
from prunability.errors import ArtifactError


@pytest.mark.parametrize("module", [ORIGINAL, REPICKLED])
def test_reads_images_and_labels_in_the_real_layout(tmp_path: Path, module: str) -> None:
    batches = _write_cifar(tmp_path, module)
    data = load_cifar10(tmp_path)
    assert data["x_train"].shape == (5 * PER_BATCH, 3, 32, 32) and data["x_test"].shape == (PER_BATCH, 3, 32, 32)
    assert data["x_train"].dtype == torch.uint8 and data["y_train"].dtype == torch.int64
    train_rows = np.concatenate([batches[name][0] for name in TRAIN_FILES])
    for i, c, h, w in [(0, 0, 0, 0), (1, 2, 31, 5), (PER_BATCH + 2, 1, 7, 30), (5 * PER_BATCH - 1, 2, 31, 31)]:
        assert data["x_train"][i, c, h, w] == train_rows[i, c * 1024 + h * 32 + w]
    assert data["y_train"].tolist() == [label for name in TRAIN_FILES for label in batches[name][1]]
    assert data["y_test"].tolist() == batches[TEST_FILE][1]
    assert (data["x_test"].flatten(1).numpy() == batches[TEST_FILE][0]).all()


def test_missing_directory_names_it_the_url_and_both_remedies(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError) as info:
        load_cifar10(tmp_path / "nowhere")
    text = str(info.value)
    assert str(tmp_path / "nowhere" / FOLDER) in text and CIFAR10_URL in text
    assert "data_batch_1" in text and "download: true" in text


def test_a_single_missing_file_is_named(tmp_path: Path) -> None:
    _write_cifar(tmp_path)
    (tmp_path / FOLDER / "data_batch_3").unlink()
    with pytest.raises(ArtifactError, match="data_batch_3 not found"):
        load_cifar10(tmp_path)


class _Exploit:
    """Unpickles into a shell command; the loader must refuse it before anything runs."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (os.system, (f"touch {self.marker}",))


def test_refuses_a_pickle_with_any_other_global(tmp_path: Path) -> None:
    _write_cifar(tmp_path)
    marker = tmp_path / "ran"
    (tmp_path / FOLDER / TEST_FILE).write_bytes(pickle.dumps({b"data": _Exploit(marker), b"labels": []}))
    with pytest.raises(ArtifactError, match=re.escape(f"refusing to load {tmp_path / FOLDER / TEST_FILE}")):
        load_cifar10(tmp_path)
    assert not marker.exists()


def test_a_truncated_batch_is_reported_as_corrupt(tmp_path: Path) -> None:
    _write_cifar(tmp_path)
    path = tmp_path / FOLDER / "data_batch_2"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ArtifactError, match=re.escape(f"corrupt CIFAR-10 file: {path}")):
        load_cifar10(tmp_path)


def test_a_batch_of_the_wrong_shape_is_reported_as_corrupt(tmp_path: Path) -> None:
    _write_cifar(tmp_path)
    path = tmp_path / FOLDER / TEST_FILE
    path.write_bytes(_pickle({b"data": np.zeros((2, 1024), np.uint8), b"labels": [0, 1]}))
    with pytest.raises(ArtifactError, match="not a batch of uint8"):
        load_cifar10(tmp_path)


def _archive(tmp_path: Path) -> tuple[Path, str]:
    """A tar.gz laid out like cifar-10-python.tar.gz, and its md5."""
    _write_cifar(tmp_path / "source")
    path = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        archive.add(tmp_path / "source" / FOLDER, arcname=FOLDER)
    return path, hashlib.md5(path.read_bytes()).hexdigest()


def test_downloads_verifies_and_extracts_from_a_url(tmp_path: Path) -> None:
    archive, md5 = _archive(tmp_path)
    root = tmp_path / "root"
    data = load_cifar10(root, download=True, url=archive.as_uri(), md5=md5)
    assert data["x_train"].shape == (5 * PER_BATCH, 3, 32, 32)
    assert (root / FOLDER / "batches.meta").is_file()
    assert sorted(p.name for p in root.iterdir()) == [FOLDER]  # no archive or temporary file left behind


def test_a_wrong_md5_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    archive, _ = _archive(tmp_path)
    root = tmp_path / "root"
    with pytest.raises(ArtifactError, match="md5 mismatch"):
        load_cifar10(root, download=True, url=archive.as_uri())  # the real archive's md5, not this one's
    assert list(root.iterdir()) == []


def test_an_archive_member_escaping_the_directory_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        member = tarfile.TarInfo("../escaped")
        tar.addfile(member, io.BytesIO(b""))
    md5 = hashlib.md5(archive.read_bytes()).hexdigest()
    with pytest.raises(ArtifactError, match="escapes its directory"):
        load_cifar10(tmp_path / "root", download=True, url=archive.as_uri(), md5=md5)
    assert not (tmp_path / "escaped").exists()


def test_a_failed_download_still_says_how_to_get_the_data(tmp_path: Path) -> None:
    url = (tmp_path / "absent.tar.gz").as_uri()
    with pytest.raises(ArtifactError, match=r"download of .* failed") as info:
        load_cifar10(tmp_path / "root", download=True, url=url)
    assert "download: true" in str(info.value) and str(tmp_path / "root" / FOLDER) in str(info.value)


def test_the_dataset_artifact_is_built_from_the_files_and_resized_per_batch(tmp_path: Path) -> None:
    import torch

    from prunability.artifacts import load_tensors
    from prunability.data.loading import load_data
    from prunability.data.registry import build_dataset

    _write_cifar(tmp_path / "cifar")
    out = tmp_path / "cifar.safetensors"
    build_dataset("cifar10_resized", {"root": str(tmp_path / "cifar"), "download": False}, None, None, out=out)
    tensors, meta = load_tensors(out)
    native = load_cifar10(tmp_path / "cifar")["x_train"]
    assert tensors["x_train"].shape == (5 * PER_BATCH, 3, 32, 32) and meta["source"] == "CIFAR-10"
    assert torch.equal(tensors["x_train"], native)  # stored once, at 32 px, whatever side a run asks for
    small = load_data(out, torch.device("cpu"), side=16)
    plain = load_data(out, torch.device("cpu"), side=32)
    halved = small.inputs(small.x_train[:4]) * small.std.view(3, 1, 1) + small.mean.view(3, 1, 1)
    full = plain.inputs(plain.x_train[:4]) * plain.std.view(3, 1, 1) + plain.mean.view(3, 1, 1)
    torch.testing.assert_close(halved, full[:, :, 1::2, 1::2])  # half-pixel nearest keeps odd rows and columns
