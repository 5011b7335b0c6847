"""Tiny ImageNet read from a tiny folder of real JPEGs in the standard layout, which the tests write."""

import hashlib
import zipfile

import pytest
from real_formats import WNIDS
from real_formats import write_tinyimagenet as _write

from prunability.data.tinyimagenet import FOLDER, load_tinyimagenet
from prunability.errors import ArtifactError


def test_reads_the_standard_folder(tmp_path):
    _write(tmp_path)
    data = load_tinyimagenet(tmp_path)
    assert data["x_train"].shape == (6, 3, 64, 64) and str(data["x_train"].dtype) == "torch.uint8"
    assert data["y_train"].tolist() == [0, 0, 1, 1, 2, 2]
    assert data["y_test"].tolist() == [2, 0, 1, 0]  # val_0 .. val_3 as annotated
    grey = data["x_train"][4]  # class 2, image 0 was saved as greyscale: three equal channels
    assert (grey[0] == grey[1]).all() and (grey[1] == grey[2]).all()
    assert abs(int(data["x_train"][2, 1, 10, 50]) - 40) <= 2  # JPEG keeps a flat region within a level or two


def test_a_missing_class_folder_is_named(tmp_path):
    folder = _write(tmp_path)
    for f in (folder / "train" / WNIDS[1] / "images").iterdir():
        f.unlink()
    with pytest.raises(ArtifactError, match=f"class {WNIDS[1]} has no training images: .*{WNIDS[1]}/images"):
        load_tinyimagenet(tmp_path)


def test_a_broken_jpeg_is_named(tmp_path):
    folder = _write(tmp_path)
    broken = folder / "val" / "images" / "val_2.JPEG"
    broken.write_bytes(b"\xff\xd8 not really a jpeg")
    with pytest.raises(ArtifactError, match=f"unreadable Tiny ImageNet image: {broken}"):
        load_tinyimagenet(tmp_path)


def test_a_missing_folder_says_where_and_how(tmp_path):
    with pytest.raises(ArtifactError) as info:
        load_tinyimagenet(tmp_path)
    message = str(info.value)
    assert str(tmp_path / FOLDER) in message and "tiny-imagenet-200.zip" in message and "download: true" in message


def test_download_verifies_and_extracts_a_zip(tmp_path):
    _write(tmp_path / "source")
    archive = tmp_path / "tiny-imagenet-200.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted((tmp_path / "source").rglob("*")):
            zipped.write(path, path.relative_to(tmp_path / "source"))
    md5 = hashlib.md5(archive.read_bytes()).hexdigest()
    with pytest.raises(ArtifactError, match="md5 mismatch"):
        load_tinyimagenet(tmp_path / "root", download=True, url=archive.as_uri())
    data = load_tinyimagenet(tmp_path / "root", download=True, url=archive.as_uri(), md5=md5)
    assert data["x_test"].shape == (4, 3, 64, 64)
    assert sorted(p.name for p in (tmp_path / "root").iterdir()) == [FOLDER]
