"""Dataset kinds by name: each builds the tensors of one (experiment, dimension, seed) data artifact."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from prunability.artifacts import save_tensors
from prunability.data.synthetic import linear_task


def _linear(params: dict[str, Any], dimension: int, seed: int) -> dict[str, torch.Tensor]:
    return linear_task(
        task_dim=dimension,
        intrinsic_dim=params["intrinsic_dim"],
        extrinsic_dim=params["extrinsic_dim"],
        n_train=params["n_train"],
        n_test=params["n_test"],
        seed=seed,
    )


BUILDERS: dict[str, Callable[[dict[str, Any], int, int], dict[str, torch.Tensor]]] = {
    "synthetic_linear": _linear,
}


def build_dataset(kind: str, params: dict[str, Any], dimension: int, seed: int, out: str | Path) -> None:
    """Generate the data artifact for one dimension and seed and write it to ``out``."""
    if kind not in BUILDERS:
        raise ValueError(f"unknown dataset kind {kind!r}; known: {sorted(BUILDERS)}")
    tensors = BUILDERS[kind](params, dimension, seed)
    num_classes = int(max(tensors["y_train"].max(), tensors["y_test"].max())) + 1
    meta = {"kind": kind, "dimension": dimension, "seed": seed, "params": params, "num_classes": num_classes}
    save_tensors(out, tensors, meta)
