"""Measured intrinsic dimension of a data artifact, next to the nominal dimension the experiment sets."""

from pathlib import Path

import torch

from prunability.artifacts import load_tensors, write_rows
from prunability.intrinsic_dim import estimate_all
from prunability.seeding import generator


def measure(data: str | Path, out: str | Path, run: dict, samples: int, k: int) -> dict:
    """Estimate the intrinsic dimension of (a seeded subsample of) the training inputs; write one row."""
    tensors, meta = load_tensors(data)
    x = tensors["x_train"]
    pick = torch.randperm(len(x), generator=generator(meta["seed"], "id-sample"))[:samples]
    k = min(k, len(pick) - 1)  # a tiny dataset has fewer neighbours than asked for
    estimates = estimate_all(x[pick].float().flatten(1), k=k)
    row = {
        **run,
        "data_source": meta.get("source", ""),
        "points": len(pick),
        "k": k,
        "extrinsic_dim": x[0].numel(),
        **{f"id_{name}": value for name, value in estimates.items()},
    }
    write_rows(out, [row])
    return row
