"""What the config needs to know about each dataset kind, without importing torch: whether it is real images (one
artifact at their own resolution, brought to each run's side), and how many training examples it will have."""

from collections.abc import Callable
from dataclasses import dataclass

# BigGAN's latent vectors have this many components; a latent experiment varies how many are free.
LATENT_DIM = 128
# Dataset keys that say how a run uses or fetches the images, not what they are: they do not name the artifact.
# (``root`` does: another folder may hold other files.)
DOWNLOAD = "download"
NOT_CONTENT = ("side", DOWNLOAD)


@dataclass(frozen=True)
class Kind:
    """One dataset kind: ``sided`` real images are stored once and resized per run; ``train_size`` is the number
    of training examples the parameters imply, where they alone say it (for the rewind-before-end check);
    ``fetched`` files can be downloaded by the dataset job when the config allows it."""

    sided: bool
    train_size: Callable[[dict], int | None]
    latent: bool = False
    fetched: bool = False  # real files the job may download into the dataset's root (its ``download`` key)


KINDS = {
    "synthetic_linear": Kind(sided=False, train_size=lambda d: d["n_train"]),
    "digits_resized": Kind(sided=True, train_size=lambda d: 1797 - round(d["test_fraction"] * 1797)),
    "cifar10_resized": Kind(sided=True, train_size=lambda d: 50000, fetched=True),
    "tinyimagenet": Kind(sided=True, train_size=lambda d: None, fetched=True),
    "biggan_latent": Kind(sided=False, train_size=lambda d: d["per_class"] * len(d["class_ids"]), latent=True),
    "procedural_latent": Kind(sided=False, train_size=lambda d: d["per_class"] * d["classes"], latent=True),
    "procedural_images": Kind(sided=True, train_size=lambda d: d["per_class"] * d["classes"]),
}
# Real images: their artifact holds them once, at their own resolution, whatever the seed; each run brings them
# to its side (an extrinsic dimension, or a schedules experiment's dataset.side) batch by batch on the device.
SIDED = tuple(name for name, kind in KINDS.items() if kind.sided)
