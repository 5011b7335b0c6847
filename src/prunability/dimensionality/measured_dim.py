"""Measured intrinsic dimension of a data artifact, next to the nominal dimension the experiment sets."""

from pathlib import Path

import torch

from prunability.artifacts import load_tensors, write_rows
from prunability.data.images import resize_nearest
from prunability.dimensionality.intrinsic_dim import estimate_all
from prunability.seeding import generator


def measure(
    data: str | Path, out: str | Path, run: dict, samples: int, k: int, side: int | None = None, threads: int = 1
) -> dict:
    """Estimate the intrinsic dimension of (a subsample, seeded by the run, of) the training inputs as the run
    sees them, at ``side`` px for images a run resizes, with torch on ``threads`` threads; write one row."""
    torch.set_num_threads(threads)
    tensors, meta = load_tensors(data)
    x = tensors["x_train"]
    pick = torch.randperm(len(x), generator=generator(run["seed"], "id-sample"))[:samples]
    k = min(k, len(pick) - 1)  # a tiny dataset has fewer neighbours than asked for
    points = x[pick] if side is None else resize_nearest(x[pick], side)
    estimates = estimate_all(points.float().flatten(1), k=k)
    row = {
        **run,
        "data_source": meta.get("source", ""),
        "points": len(pick),
        "k": k,
        "extrinsic_dim": points[0].numel(),
        **{f"id_{name}": value for name, value in estimates.items()},
    }
    write_rows(out, [row])
    return row
