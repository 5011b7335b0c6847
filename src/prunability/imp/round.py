"""One IMP round with weight rewinding (Frankle et al. 2020), as one restartable job.

Round 0 trains the dense network from θ0 (seeded), saves θk at the rewind step k, trains on to T and
evaluates. Round r >= 1 prunes the fraction p of the weights that survived round r-1, by one global magnitude
threshold over round r-1's trained weights, resets every weight to θk ⊙ mask, trains from k to T with pruned
weights held at 0, and evaluates. Each round writes its own directory:

    weights.safetensors  trained state dict (parameters and buffers)
    mask.safetensors     0/1 mask per prunable weight
    metrics.parquet      one row: densities, accuracies, losses, steps (deterministic bytes)
    timing.json          wall time (kept out of metrics so reruns stay byte-identical)
    rewind.safetensors   round 0 only: θk

With a stop rule, a round after the end of its chain trains nothing: its job writes the chain's end marker in
place of these files, before torch is imported (``prunability.imp.chain_end``).
"""

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from prunability.artifacts import load_tensors, save_tensors, write_json, write_rows
from prunability.data.loading import DeviceData, load_data
from prunability.device import pick_device, prepare
from prunability.imp import masks as masklib
from prunability.imp.engine import evaluate, steps_per_epoch, train
from prunability.imp.recipe import Recipe, to_steps
from prunability.layout import MASK_FILE, METRICS_FILE, REWIND_FILE, TIMING_FILE, WEIGHTS_FILE
from prunability.models.registry import build_model
from prunability.numerics import fingerprint
from prunability.seeding import derive_seed


@dataclass(frozen=True)
class RoundSpec:
    """Everything one round needs; ``run`` holds the identity columns of its metrics row."""

    data: Path
    out: Path
    model: str
    round: int
    seed: int
    recipe: Recipe
    prune_fraction: float = 0.2
    ignore: tuple[str, ...] = ()
    previous: Path | None = None
    rewind: Path | None = None
    device: str = "auto"
    run: tuple[tuple[str, object], ...] = ()
    side: int | None = None


class DataCache:
    """The last data artifact a job loaded: consecutive runs of a shared job that read the same one (every seed
    of an image experiment) load it once. One artifact at a time, so memory stays that of one run."""

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._data: DeviceData | None = None

    def load(self, path: Path, device: torch.device, side: int | None) -> DeviceData:
        key = (Path(path).resolve(), str(device), side)
        if key != self._key:
            self._data = None  # free the previous artifact before reading the next
            self._data = load_data(path, device, side)
            self._key = key
        return self._data


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _start_masks(spec: RoundSpec, model: torch.nn.Module, names: list[str]) -> dict[str, torch.Tensor]:
    """Round 0: all-ones masks. Round r: prune round r-1's survivors and load θk into ``model``."""
    if spec.round == 0:
        return masklib.full_masks(model, names)
    if spec.previous is None or spec.rewind is None:
        raise ValueError(f"round {spec.round} needs the previous round's directory and the rewind checkpoint")
    prev_weights, _ = load_tensors(spec.previous / WEIGHTS_FILE)
    prev_masks, _ = load_tensors(spec.previous / MASK_FILE)
    if sorted(prev_masks) != sorted(names):
        raise ValueError(f"{spec.previous / MASK_FILE} does not match the prunable layers of {spec.model}")
    masks = masklib.global_magnitude_prune(prev_weights, {n: prev_masks[n] for n in names}, spec.prune_fraction)
    theta_k, _ = load_tensors(spec.rewind)
    model.load_state_dict(theta_k)
    return masks


def _metrics_row(spec: RoundSpec, model, masks, data: DeviceData, steps: int, spe: int) -> dict:
    remaining, prunable = masklib.count(masks)
    total = sum(p.numel() for p in model.parameters())
    test_acc, test_loss = evaluate(model, data.x_test, data.y_test, inputs=data.inputs)
    train_acc, train_loss = evaluate(model, data.x_train, data.y_train, inputs=data.inputs)
    return {
        **dict(spec.run),
        "data_source": data.source,
        "round": spec.round,
        "density": remaining / prunable,
        "density_all": (total - (prunable - remaining)) / total,
        "remaining_weights": remaining,
        "prunable_weights": prunable,
        "total_parameters": total,
        "test_accuracy": test_acc,
        "test_examples": int(data.y_test.shape[0]),  # for the noise criterion's binomial standard error
        "test_loss": test_loss,
        "train_accuracy": train_acc,
        "train_loss": train_loss,
        "steps": steps,
        "epochs": steps / spe,
    }


def run_round(spec: RoundSpec, cache: DataCache | None = None) -> dict:
    """Train one round end to end, write its artifacts and return the metrics row. ``cache`` lets the runs of a
    shared job (``prunability.imp.shared_rounds``) share a loaded data artifact; that job has already written the
    end marker of every run whose chain ended (``prunability.imp.chain_end``)."""
    tic = time.perf_counter()
    device = pick_device(spec.device)
    data = (cache or DataCache()).load(spec.data, device, spec.side)
    model = build_model(spec.model, data.input_shape, data.num_classes, derive_seed(spec.seed, "init"))
    names = masklib.prunable_names(model, spec.ignore)
    masks = _start_masks(spec, model, names)
    spe = steps_per_epoch(data.x_train.shape[0], spec.recipe.batch_size)
    k = to_steps(spec.recipe.rewind, spe)
    model = prepare(model, device)
    remaining, prunable = masklib.count(masks)
    _log(
        f"round {spec.round}: {spec.model}, {remaining}/{prunable} prunable weights remain, training from step "
        f"{0 if spec.round == 0 else k}"
    )
    order_seed = derive_seed(spec.seed, "data-order")
    # Dropout (VGG16's classifier) draws from the global generator: seeded per round, so a rerun is identical.
    torch.manual_seed(derive_seed(spec.seed, "dropout", spec.round))
    snapshot, steps = train(
        model,
        data,
        spec.recipe,
        masks,
        order_seed,
        start_step=0 if spec.round == 0 else k,
        snapshot_step=k if spec.round == 0 else None,
    )
    row = _metrics_row(spec, model, masks, data, steps, spe)
    meta = {"model": spec.model, "round": spec.round, "seed": spec.seed, **{k_: str(v) for k_, v in spec.run}}
    if snapshot is not None:
        save_tensors(spec.out / REWIND_FILE, snapshot, {**meta, "step": k})
    save_tensors(spec.out / WEIGHTS_FILE, model.state_dict(), meta)
    save_tensors(spec.out / MASK_FILE, masks, meta)
    write_rows(spec.out / METRICS_FILE, [row])
    timing = {**row, "wall_seconds": time.perf_counter() - tic, "device": str(device), **fingerprint(device)}
    write_json(spec.out / TIMING_FILE, timing)
    _log(
        f"round {spec.round}: density {row['density']:.4f}, test accuracy {row['test_accuracy']:.4f}, "
        f"{time.perf_counter() - tic:.1f}s"
    )
    return row
