"""Load a data artifact onto the training device, whole, as tensors."""

from dataclasses import dataclass
from pathlib import Path

import torch

from prunability.artifacts import load_tensors


@dataclass(frozen=True)
class DeviceData:
    """Train and test tensors resident on one device; batches are index slices of these."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    num_classes: int

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])


def standardize(train: torch.Tensor, test: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Scale features to zero mean and unit variance with training statistics (a linear map: rank kept)."""
    mean = train.mean(0, keepdim=True)
    std = train.std(0, keepdim=True).clamp_min(1e-8)
    return (train - mean) / std, (test - mean) / std


def load_data(path: str | Path, device: torch.device) -> DeviceData:
    """Read a data artifact and move it to ``device`` once."""
    tensors, meta = load_tensors(path)
    x_train, x_test = standardize(tensors["x_train"].float(), tensors["x_test"].float())
    return DeviceData(
        x_train=x_train.to(device),
        y_train=tensors["y_train"].to(device),
        x_test=x_test.to(device),
        y_test=tensors["y_test"].to(device),
        num_classes=int(meta["num_classes"]),
    )
