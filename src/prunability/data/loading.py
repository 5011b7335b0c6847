"""Load a data artifact onto the training device, whole, as tensors.

Vector data (float) is standardised once at load. Image data stays uint8 on the device (4x smaller than
float32) and becomes float per batch: scaled to [0, 1], standardised per channel with the training statistics
the data artifact stores, and, when the artifact asks for it, randomly cropped and flipped. All of it is
batched tensor work.
"""

from dataclasses import dataclass
from pathlib import Path

import torch

from prunability.artifacts import load_tensors
from prunability.data.images import normalize, random_crop_flip


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

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    def inputs(self, x: torch.Tensor) -> torch.Tensor:
        """Model input for stored examples ``x`` (no augmentation): evaluation batches."""
        if self.mean is None:
            return x
        return normalize(x, self.mean, self.std)

    def train_batch(self, idx: torch.Tensor, gen: torch.Generator | None) -> tuple[torch.Tensor, torch.Tensor]:
        """A training batch: augmented (crop + flip, drawn from ``gen``) when the dataset asks for it."""
        x = self.x_train[idx]
        if self.augment and gen is not None:  # on the stored uint8 images: the padding is black
            x = random_crop_flip(x, gen, padding=max(1, x.shape[-1] // 8))
        return self.inputs(x), self.y_train[idx]


def standardize(train: torch.Tensor, test: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Scale features to zero mean and unit variance with training statistics (a linear map: rank kept)."""
    mean = train.mean(0, keepdim=True)
    std = train.std(0, keepdim=True).clamp_min(1e-8)
    return (train - mean) / std, (test - mean) / std


def load_data(path: str | Path, device: torch.device) -> DeviceData:
    """Read a data artifact and move it to ``device`` once."""
    tensors, meta = load_tensors(path)
    common = {
        "y_train": tensors["y_train"].to(device),
        "y_test": tensors["y_test"].to(device),
        "num_classes": int(meta["num_classes"]),
        "source": meta.get("source", ""),
    }
    if tensors["x_train"].dtype == torch.uint8:
        return DeviceData(
            x_train=tensors["x_train"].to(device),
            x_test=tensors["x_test"].to(device),
            mean=tensors["channel_mean"].to(device),
            std=tensors["channel_std"].clamp_min(1e-8).to(device),
            augment=bool(meta.get("augment", False)),
            **common,
        )
    x_train, x_test = standardize(tensors["x_train"].float(), tensors["x_test"].float())
    return DeviceData(x_train=x_train.to(device), x_test=x_test.to(device), **common)
