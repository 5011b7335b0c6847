"""Tiny files in the real on-disk formats of the paper-scale data (CIFAR-10's pickled batches, Tiny ImageNet's
folder of JPEGs, BigGAN's pytorch_model.bin + config.json), written by the tests: the loaders and the presets'
data jobs read them exactly as they would read the published files, with no network."""

import pickle
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from pytorch_pretrained_biggan import BigGANConfig

from prunability.data.cifar import FOLDER as CIFAR_FOLDER
from prunability.data.cifar import TEST_FILE, TRAIN_FILES
from prunability.data.tinyimagenet import FOLDER as TINY_FOLDER

PER_BATCH = 4
ORIGINAL = "numpy.core.multiarray"  # the module the published files name
REPICKLED = "numpy._core.multiarray"  # the module numpy 2 names when it pickles an array
WNIDS = ["n01443537", "n01629819", "n01641577"]


def cifar_pickle(record: dict, module: str = REPICKLED) -> bytes:
    """Protocol 3 names globals as text (GLOBAL), like the original protocol-2 files, so the array rebuilder's
    module can be renamed to the one the published files carry; bytes stay bytes, as the format has them."""
    raw = pickle.dumps(record, protocol=3)
    return raw.replace(f"c{REPICKLED}\n".encode(), f"c{module}\n".encode())


def write_cifar(root: Path, module: str = REPICKLED) -> dict[str, tuple[np.ndarray, list[int]]]:
    """Five training batches, a test batch and batches.meta, each a pickled dict with bytes keys."""
    folder = root / CIFAR_FOLDER
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    batches = {}
    for name in (*TRAIN_FILES, TEST_FILE):
        data = rng.integers(0, 256, size=(PER_BATCH, 3072), dtype=np.uint8)
        labels = rng.integers(0, 10, size=PER_BATCH).tolist()
        batches[name] = (data, labels)
        record = {b"batch_label": name.encode(), b"labels": labels, b"data": data, b"filenames": [b"x.png"]}
        (folder / name).write_bytes(cifar_pickle(record, module))
    meta = {b"label_names": [f"class {i}".encode() for i in range(10)], b"num_cases_per_batch": PER_BATCH}
    (folder / "batches.meta").write_bytes(cifar_pickle(meta, module))
    return batches


def _jpeg(path: Path, value: int, grey: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.full((64, 64, 3), value, np.uint8)
    pixels[:, :32, 0] = 255 - value  # something that is not flat, so decoding is not trivial
    image = Image.fromarray(pixels[..., 0] if grey else pixels)
    image.save(path, format="JPEG", quality=95)


def write_tinyimagenet(root: Path, per_class: int = 2) -> Path:
    """tiny-imagenet-200/ with wnids.txt, train/<wnid>/images/*.JPEG (one greyscale) and an annotated val split."""
    folder = root / TINY_FOLDER
    folder.mkdir(parents=True)
    (folder / "wnids.txt").write_text("\n".join(WNIDS) + "\n")
    for c, wnid in enumerate(WNIDS):
        for i in range(per_class):
            _jpeg(folder / "train" / wnid / "images" / f"{wnid}_{i}.JPEG", 40 * c + i, grey=(c == 2 and i == 0))
    lines = []
    for i, wnid in enumerate([WNIDS[2], WNIDS[0], WNIDS[1], WNIDS[0]]):
        _jpeg(folder / "val" / "images" / f"val_{i}.JPEG", 200 - i)
        lines.append(f"val_{i}.JPEG\t{wnid}\t0\t0\t63\t63")
    (folder / "val" / "val_annotations.txt").write_text("\n".join(lines) + "\n")
    return folder


def tiny_biggan_config(num_classes: int = 10) -> BigGANConfig:
    """The deep architecture at 4 channels per width unit, 4 blocks (3 up-sampling: 32 px).

    The first block must take 16 width units (gen_z's output) and every channel change must halve (the residual
    drops half the channels), hence 16 → 8 → 4 → 2 → 1; the attention block's 16 channels allow its 16 // 8.
    """
    return BigGANConfig(
        channel_width=4,
        num_classes=num_classes,
        layers=[(True, 16, 8), (True, 8, 4), (True, 4, 2), (False, 2, 1)],
        attention_layer_position=2,
    )


def write_biggan(folder: Path, model: torch.nn.Module) -> Path:
    """``model``'s weights and config as biggan-deep-128's published pytorch_model.bin and config.json."""
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), folder / "pytorch_model.bin")
    (folder / "config.json").write_text(model.config.to_json_string())
    return folder
