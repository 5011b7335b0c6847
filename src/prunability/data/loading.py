"""Load a data artifact onto the training device, whole, as tensors.

Vector data (float) is standardised once at load. Image data stays uint8 on the device, at the resolution the
artifact stores (4x smaller than float32, and for CIFAR-10 at 128 px 16x smaller again than pre-resized
images), and becomes the model's input per batch: brought to the run's side by nearest neighbour, randomly
cropped and flipped when the artifact asks for it, scaled to [0, 1] and standardised per channel with the
statistics of the training images at that side. Every batch is exactly what a dataset resized in advance
would give; all of it is batched tensor work.
"""

from dataclasses import dataclass
from pathlib import Path

import torch

from prunability.artifacts import load_tensors
from prunability.data.images import channel_stats, normalize, random_crop_flip, resize_nearest


@dataclass(frozen=True)
class DeviceData:
    """Train and test tensors resident on one device; batches are index slices of these."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    num_classes: int
    source: str = ""
    mean: torch.Tensor | None = None
    std: torch.Tensor | None = None
    augment: bool = False
    side: int | None = None

    @property
    def input_shape(self) -> tuple[int, ...]:
        stored = tuple(self.x_train.shape[1:])
        return stored if self.side is None else (stored[0], self.side, self.side)

    def _sized(self, x: torch.Tensor) -> torch.Tensor:
        return x if self.side is None or self.side == x.shape[-1] else resize_nearest(x, self.side)

    def inputs(self, x: torch.Tensor) -> torch.Tensor:
        """Model input for stored examples ``x`` (no augmentation): evaluation batches."""
        if self.mean is None:
            return x
        return normalize(self._sized(x), self.mean, self.std)

    def train_batch(self, idx: torch.Tensor, gen: torch.Generator | None) -> tuple[torch.Tensor, torch.Tensor]:
        """A training batch: augmented (crop + flip, drawn from ``gen``) when the dataset asks for it."""
        x = self._sized(self.x_train[idx])
        if self.augment and gen is not None:  # on the uint8 images at the run's side: the padding is black
            x = random_crop_flip(x, gen, padding=max(1, x.shape[-1] // 8))
        return normalize(x, self.mean, self.std) if self.mean is not None else x, self.y_train[idx]


def standardize(train: torch.Tensor, test: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Scale features to zero mean and unit variance with training statistics (a linear map: rank kept)."""
    mean = train.mean(0, keepdim=True)
    std = train.std(0, keepdim=True).clamp_min(1e-8)
    return (train - mean) / std, (test - mean) / std


def load_data(path: str | Path, device: torch.device, side: int | None = None) -> DeviceData:
    """Read a data artifact and move it to ``device`` once; images will reach the model at ``side`` px
    (default: as stored)."""
    tensors, meta = load_tensors(path)
    common = {
        "y_train": tensors["y_train"].to(device),
        "y_test": tensors["y_test"].to(device),
        "num_classes": int(meta["num_classes"]),
        "source": meta.get("source", ""),
    }
    if tensors["x_train"].dtype == torch.uint8:
        count = tensors["x_train"].shape[0]
        mean, std = channel_stats(tensors["pixel_sum"], tensors["pixel_square_sum"], count, side)
        return DeviceData(
            x_train=tensors["x_train"].to(device),
            x_test=tensors["x_test"].to(device),
            mean=mean.float().to(device),
            std=std.float().clamp_min(1e-8).to(device),
            augment=bool(meta.get("augment", False)),
            side=side,
            **common,
        )
    if side is not None:
        raise ValueError(f"{path} holds vectors, not images: it has no side to bring to {side} px")
    x_train, x_test = standardize(tensors["x_train"].float(), tensors["x_test"].float())
    return DeviceData(x_train=x_train.to(device), x_test=x_test.to(device), **common)
