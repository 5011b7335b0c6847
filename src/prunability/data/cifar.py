"""CIFAR-10 read from its "python version" on disk, the format torchvision's ``CIFAR10`` also reads.

``root`` contains ``cifar-10-batches-py/`` with ``data_batch_1`` ... ``data_batch_5``, ``test_batch`` and
``batches.meta``. Each batch is a pickled dict: ``b"data"`` is a uint8 array (N, 3072) whose row holds 1024 red,
then 1024 green, then 1024 blue values, each plane row-major 32 x 32; ``b"labels"`` is a list of ints.

The files are pickles, and this project never unpickles arbitrary objects: a restricted unpickler resolves only
the numpy globals an array needs, so a tampered file cannot run code. torchvision is not a dependency: each of
its releases pins one torch version, which would constrain the torch the study runs on.
"""

import pickle
import tarfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

import numpy as np
import torch

from prunability.artifacts import atomic_path
from prunability.data.download import fetched
from prunability.errors import ArtifactError

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
FOLDER = "cifar-10-batches-py"
TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_FILE = "test_batch"
FILES = (*TRAIN_FILES, TEST_FILE, "batches.meta")
SIDE = 32
PIXELS = 3 * SIDE * SIDE

_RECONSTRUCT = np.ndarray(0).__reduce__()[0]  # numpy's array rebuilder, wherever this numpy version keeps it
_ALLOWED: dict[tuple[str, str], Callable[..., Any]] = {
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,  # the name in the original (numpy 1) files
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,  # the name numpy 2 writes on re-pickling
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}


class _ArrayUnpickler(pickle.Unpickler):
    """An unpickler that builds plain containers and numpy arrays only, so loading a file cannot run code."""

    def __init__(self, handle: BinaryIO, path: Path) -> None:
        super().__init__(handle, encoding="bytes")
        self.path = path

    def find_class(self, module: str, name: str) -> Callable[..., Any]:
        """Resolve an allowed numpy global; refuse any other, naming the file, instead of importing it."""
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise ArtifactError(
                f"refusing to load {self.path}: it references {module}.{name}, which a CIFAR-10 batch never "
                f"does; delete the file and fetch CIFAR-10 again from {CIFAR10_URL}"
            ) from None


def _unpickle(path: Path) -> Any:
    """Read one CIFAR pickle with the restricted unpickler, naming the file if it is unreadable."""
    try:
        with path.open("rb") as handle:
            return _ArrayUnpickler(handle, path).load()
    except (pickle.UnpicklingError, EOFError, OSError, ValueError, TypeError, AttributeError) as err:
        raise ArtifactError(
            f"corrupt CIFAR-10 file: {path} ({err}); delete it and fetch CIFAR-10 again from {CIFAR10_URL}"
        ) from err


def _read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 3072) uint8 and labels (N,) int64 of one batch file, checked against the format."""
    batch = _unpickle(path)
    data = batch.get(b"data") if isinstance(batch, dict) else None
    labels = batch.get(b"labels") if isinstance(batch, dict) else None
    valid = (
        isinstance(data, np.ndarray)
        and data.dtype == np.uint8
        and data.ndim == 2
        and data.shape[1] == PIXELS
        and isinstance(labels, list)
        and len(labels) == len(data)
    )
    if not valid:
        raise ArtifactError(
            f"corrupt CIFAR-10 file: {path} is not a batch of uint8 (N, {PIXELS}) images with N labels; "
            f"delete it and fetch CIFAR-10 again from {CIFAR10_URL}"
        )
    return data, np.asarray(labels, dtype=np.int64)


def _read_split(folder: Path, names: tuple[str, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    """Concatenate batch files into uint8 images (N, 3, 32, 32) and int64 labels (N,).

    A row is channel-major then row-major, so a plain reshape gives pixel (c, h, w) = row[c*1024 + h*32 + w].
    """
    batches = [_read_batch(folder / name) for name in names]
    images = np.concatenate([data for data, _ in batches]).reshape(-1, 3, SIDE, SIDE)
    labels = np.concatenate([labels for _, labels in batches])
    return torch.from_numpy(images), torch.from_numpy(labels)


def _missing(folder: Path) -> list[str]:
    """The format's files absent from ``folder``; all of them count, so a partial extraction is caught."""
    return [name for name in FILES if not (folder / name).is_file()]


def _missing_message(root: Path, missing: list[str], url: str, md5: str) -> str:
    """Say what is missing, where it goes, and both ways to get it."""
    return (
        f"CIFAR-10 is missing from {root / FOLDER}: {', '.join(missing)} not found. Either set `download: true` "
        f"for this dataset in the config (the machine needs internet), or download {url} (md5 {md5}) and extract "
        f"it into {root} (e.g. `tar -xzf cifar-10-python.tar.gz -C {root}`), which creates {FOLDER}/."
    )


def _check_members(archive: tarfile.TarFile, url: str) -> None:
    """Refuse an archive with a member that would land outside the extraction directory."""
    for member in archive.getmembers():
        parts = PurePosixPath(member.name).parts
        if member.name.startswith(("/", "\\")) or ".." in parts:
            raise ArtifactError(f"refusing the archive from {url}: member {member.name!r} escapes its directory")


def _extract(archive_path: Path, folder: Path, url: str) -> None:
    """Copy the needed files out of the archive, each through a temporary file renamed into place."""
    with tarfile.open(archive_path, "r:gz") as archive:
        _check_members(archive, url)
        for name in FILES:
            try:
                source = archive.extractfile(f"{FOLDER}/{name}")
            except KeyError:
                source = None
            if source is None:
                raise ArtifactError(f"the archive from {url} has no regular file {FOLDER}/{name}")
            with source, atomic_path(folder / name) as tmp, tmp.open("wb") as out:
                out.write(source.read())


def download_cifar10(root: str | Path, url: str = CIFAR10_URL, md5: str = CIFAR10_MD5) -> None:
    """Fetch the archive into a temporary file under ``root``, verify its md5, and extract it there.

    The archive is deleted afterwards: the extracted files are what the loader reads.
    """
    root = Path(root)
    with fetched(url, md5, root, "cifar-10-python.tar.gz") as archive:
        _extract(archive, root / FOLDER, url)


def load_cifar10(
    root: str | Path, download: bool = False, url: str = CIFAR10_URL, md5: str = CIFAR10_MD5
) -> dict[str, torch.Tensor]:
    """CIFAR-10's train and test split as uint8 images (N, 3, 32, 32) and int64 labels.

    ``root`` is the directory holding ``cifar-10-batches-py/``, as torchvision's ``root``. Missing files are
    downloaded only when ``download`` is true; otherwise, or if the download fails, ``ArtifactError`` says how
    to get them.
    """
    root = Path(root)
    folder = root / FOLDER
    missing = _missing(folder)
    if missing and download:
        try:
            download_cifar10(root, url=url, md5=md5)
        except (OSError, tarfile.TarError) as err:
            raise ArtifactError(
                f"download of {url} failed ({err}). {_missing_message(root, missing, url, md5)}"
            ) from err
        missing = _missing(folder)
    if missing:
        raise ArtifactError(_missing_message(root, missing, url, md5))
    x_train, y_train = _read_split(folder, TRAIN_FILES)
    x_test, y_test = _read_split(folder, (TEST_FILE,))
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
