"""Measured intrinsic dimension of data artifacts, next to the nominal dimension the experiment sets."""

from pathlib import Path

import torch

from prunability.artifacts import load_tensors, write_rows
from prunability.data.images import resize_nearest
from prunability.dimensionality.intrinsic_dim import estimate_all
from prunability.seeding import generator

# What each measured artifact of a ``measure`` list carries beyond its ``data`` path and optional ``side``.
IDENTITY = ("experiment", "dimension", "seed")


def measure(artifacts: list[dict], out: str | Path, samples: int, k: int, threads: int = 1) -> list[dict]:
    """Measure each of ``artifacts`` (its ``data``, ``side`` and identity) and write their rows to one table. The
    workflow measures every artifact of an experiment in one job: each measurement takes a fraction of a
    second, and a job of its own would pay the interpreter's and torch's start-up for each."""
    torch.set_num_threads(threads)
    rows = [measure_one(a["data"], {key: a[key] for key in IDENTITY}, samples, k, a.get("side")) for a in artifacts]
    write_rows(out, rows)
    return rows


def measure_one(data: str | Path, run: dict, samples: int, k: int, side: int | None = None) -> dict:
    """Estimate the intrinsic dimension of (a subsample, seeded by the run, of) the training inputs as the run
    sees them, at ``side`` px for images a run resizes; the row."""
    tensors, meta = load_tensors(data)
    x = tensors["x_train"]
    pick = torch.randperm(len(x), generator=generator(run["seed"], "id-sample"))[:samples]
    k = min(k, len(pick) - 1)  # a tiny dataset has fewer neighbours than asked for
    points = x[pick] if side is None else resize_nearest(x[pick], side)
    estimates = estimate_all(points.float().flatten(1), k=k)
    return {
        **run,
        "data_source": meta.get("source", ""),
        "points": len(pick),
        "k": k,
        "extrinsic_dim": points[0].numel(),
        **{f"id_{name}": value for name, value in estimates.items()},
    }
