"""Tiny ImageNet read from its standard folder, for VGG16 in the structure study: 200 classes of 64x64 images,
500 training images each, and the 10,000 labelled validation images as the test split.

``root`` contains ``tiny-imagenet-200/`` with ``wnids.txt`` (one class id a line, in label order),
``train/<wnid>/images/*.JPEG`` and ``val/images/*.JPEG`` labelled by ``val/val_annotations.txt`` (tab-separated:
file name, class id, bounding box). Images are decoded once with Pillow (greyscale ones converted to RGB) into
uint8 tensors (N, 3, 64, 64); a missing class folder or an image that does not decode names the file.
"""

import zipfile
from pathlib import Path, PurePosixPath

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from prunability.data.download import fetched
from prunability.errors import ArtifactError

URL = "http://cs231n.stanford.edu/tiny-imagenet-200.zip"
MD5 = "90528d7ca1a48142e341f4ef8d21d0de"
FOLDER = "tiny-imagenet-200"
SIDE = 64


def _how_to_get(root: Path) -> str:
    return (
        f"Either set `download: true` for this dataset in the config (the machine needs internet), or download "
        f"{URL} (md5 {MD5}) and unzip it into {root} (`unzip tiny-imagenet-200.zip -d {root}`), which creates "
        f"{FOLDER}/."
    )


def _decode(path: Path) -> np.ndarray:
    """One image as uint8 (3, 64, 64), naming the file when it is missing, broken or of another size."""
    try:
        with Image.open(path) as image:
            pixels = np.asarray(image.convert("RGB"))
    except (FileNotFoundError, UnidentifiedImageError, OSError) as err:
        raise ArtifactError(f"unreadable Tiny ImageNet image: {path} ({err})") from err
    if pixels.shape != (SIDE, SIDE, 3):
        raise ArtifactError(f"Tiny ImageNet image {path} is {pixels.shape[1]}x{pixels.shape[0]}, not {SIDE}x{SIDE}")
    return pixels.transpose(2, 0, 1)


def _stack(paths: list[Path], labels: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    images = np.stack([_decode(p) for p in paths]) if paths else np.zeros((0, 3, SIDE, SIDE), np.uint8)
    return torch.from_numpy(images), torch.tensor(labels, dtype=torch.int64)


def _train(folder: Path, wnids: list[str]) -> tuple[list[Path], list[int]]:
    paths, labels = [], []
    for label, wnid in enumerate(wnids):
        images = folder / "train" / wnid / "images"
        files = sorted(images.glob("*.JPEG")) if images.is_dir() else []
        if not files:
            raise ArtifactError(f"Tiny ImageNet class {wnid} has no training images: {images} is missing or empty")
        paths += files
        labels += [label] * len(files)
    return paths, labels


def _val(folder: Path, index: dict[str, int]) -> tuple[list[Path], list[int]]:
    annotations = folder / "val" / "val_annotations.txt"
    if not annotations.is_file():
        raise ArtifactError(f"missing Tiny ImageNet file: {annotations}")
    rows = sorted(line.split("\t")[:2] for line in annotations.read_text().splitlines() if line.strip())
    unknown = sorted({wnid for _, wnid in rows if wnid not in index})
    if unknown:
        raise ArtifactError(f"{annotations} names classes absent from wnids.txt: {', '.join(unknown[:5])}")
    return [folder / "val" / "images" / name for name, _ in rows], [index[wnid] for _, wnid in rows]


def download_tinyimagenet(root: Path, url: str = URL, md5: str = MD5) -> None:
    """Fetch and verify the zip, then extract it into ``root`` (refusing members that escape it)."""
    with fetched(url, md5, root, "tiny-imagenet-200.zip") as archive, zipfile.ZipFile(archive) as zipped:
        for name in zipped.namelist():
            if name.startswith(("/", "\\")) or ".." in PurePosixPath(name).parts:
                raise ArtifactError(f"refusing the archive from {url}: member {name!r} escapes its directory")
        zipped.extractall(root)


def load_tinyimagenet(
    root: str | Path, download: bool = False, url: str = URL, md5: str = MD5
) -> dict[str, torch.Tensor]:
    """Train and validation (as test) splits as uint8 images (N, 3, 64, 64) and int64 labels in wnids.txt order."""
    root = Path(root)
    folder = root / FOLDER
    wnids_file = folder / "wnids.txt"
    if not wnids_file.is_file() and download:
        download_tinyimagenet(root, url, md5)
    if not wnids_file.is_file():
        raise ArtifactError(f"Tiny ImageNet is missing from {folder}: {wnids_file} not found. {_how_to_get(root)}")
    wnids = [line.strip() for line in wnids_file.read_text().splitlines() if line.strip()]
    x_train, y_train = _stack(*_train(folder, wnids))
    x_test, y_test = _stack(*_val(folder, {w: i for i, w in enumerate(wnids)}))
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
