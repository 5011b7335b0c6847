"""What IMP's sparsity is worth at inference, measured for one round: the forward time of each prunable layer
and of the whole network dense, sparse (CSR, ``sparse_forms``) and hybrid (each layer in whichever format was
faster), beside each layer's work, storage and removable channels.

Times are measurements of this process on this device: formats are interleaved repeat by repeat after a warm-up,
and the median kept; each row says the torch threads, the device, the torch build and how many other
prunability jobs ran beside it. Both formats compute in float32 on every device, so a ratio compares kernels,
not precisions. Times are kept apart from what a rerun must reproduce (``costs_table``).
"""

import contextlib
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import psutil
import torch
from torch import Tensor, nn

from prunability.structure.sparse_forms import layer_costs, removable_channels, sparse_form

FORMATS = ("dense", "sparse")
NETWORK = "network"  # the layer and stage of the whole network's rows


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


@torch.no_grad()
def median_times(runs: dict[str, Callable[[Tensor], object]], x: Tensor, repeats: int, warmup: int) -> dict[str, float]:
    """Median seconds of each of ``runs`` on ``x``, interleaved repeat by repeat after ``warmup`` rounds."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for i in range(warmup + repeats):
        for name, run in runs.items():
            _sync(x.device)
            start = time.perf_counter()
            run(x)
            _sync(x.device)
            if i >= warmup:
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def layer_inputs(model: nn.Module, layers: dict[str, nn.Module], x: Tensor) -> dict[str, Tensor]:
    """Each layer's input on the batch ``x``."""
    seen: dict[str, Tensor] = {}
    hooks = [
        layer.register_forward_pre_hook(lambda m, i, name=name: seen.__setitem__(name, i[0]))
        for name, layer in layers.items()
    ]
    with torch.no_grad():
        model(x)
    for hook in hooks:
        hook.remove()
    return seen


@contextlib.contextmanager
def _swapped(layers: dict[str, nn.Module], sparse: dict[str, nn.Module], names: list[str]) -> Iterator[None]:
    """The model with the layers ``names`` computing in their sparse forms, for as long as the context lasts."""
    for name in names:
        layers[name].forward = sparse[name].forward
    try:
        yield
    finally:
        for name in names:
            del layers[name].forward


def network_times(
    model: nn.Module,
    layers: dict[str, nn.Module],
    sparse: dict[str, nn.Module],
    faster: list[str],
    x: Tensor,
    repeats: int,
    warmup: int,
) -> dict[str, float]:
    """Whole-network medians dense, all layers sparse, and hybrid (``faster`` sparse, the rest dense)."""

    def run_with(names: list[str]) -> Callable[[Tensor], None]:
        def run(batch: Tensor) -> None:
            with _swapped(layers, sparse, names):
                model(batch)

        return run

    runs = {"dense": run_with([]), "sparse": run_with(list(layers)), "hybrid": run_with(faster)}
    return median_times(runs, x, repeats, warmup)


def _beside() -> int:
    """How many other prunability jobs run on this machine right now."""
    me = psutil.Process()
    mine = {me.pid, *(p.pid for p in me.parents())}
    return sum(
        1
        for p in psutil.process_iter(["pid", "cmdline"])
        if p.info["pid"] not in mine and any(Path(a).name == "prunability" for a in (p.info["cmdline"] or [])[:2])
    )


def _batch(x: Tensor, size: int) -> Tensor:
    """``size`` test inputs (the set repeated where it is smaller)."""
    return x.repeat(-(-size // len(x)), *([1] * (x.dim() - 1)))[:size]


def _measurement(device: torch.device) -> dict:
    return {
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "jobs_beside": _beside(),
    }


def _layer_rows(
    layers: dict[str, nn.Module],
    stages: dict[str, str],
    costs: dict[str, dict],
    removable: dict[str, tuple[int, int]],
    times: dict[str, dict[str, float]],
    batch: int,
) -> list[dict]:
    rows = []
    for name in layers:
        cost, (pruned, gone) = costs[name], removable[name]
        shared = {"layer": name, "stage": stages[name], "batch_size": batch, "channels": layers[name].weight.shape[0]}
        shared |= {"fully_pruned_channels": pruned, "removable_channels": gone}
        for fmt, macs, size in (("dense", "macs_dense", "bytes_dense"), ("sparse", "macs_nonzero", "bytes_csr")):
            rows.append(
                {**shared, "format": fmt, "seconds": times[name][fmt], "macs": cost[macs], "weight_bytes": cost[size]}
            )
    return rows


def _network_rows(layer_rows: list[dict], faster: list[str], times: dict[str, float], batch: int) -> list[dict]:
    def total(fmt_of: Callable[[str], str]) -> dict:
        chosen = [r for r in layer_rows if r["format"] == fmt_of(r["layer"])]
        return {"macs": sum(r["macs"] for r in chosen), "weight_bytes": sum(r["weight_bytes"] for r in chosen)}

    formats = {"dense": lambda _: "dense", "sparse": lambda _: "sparse"}
    formats["hybrid"] = lambda layer: "sparse" if layer in faster else "dense"
    shared = {"layer": NETWORK, "stage": NETWORK, "batch_size": batch}
    return [{**shared, "format": fmt, "seconds": times[fmt], **total(pick)} for fmt, pick in formats.items()]


def inference_of_round(
    rounds: dict[str, Path], model_name: str, data: Path, side: int | None, identity: dict, settings: dict
) -> list[dict]:
    """Work, storage, removable channels and forward times dense, sparse and hybrid of round ``rounds["current"]``,
    per layer and for the network, at each of ``settings["inference_batch_sizes"]``; the rows."""
    from prunability.layout import round_number
    from prunability.structure.loading import layer_stages, load_round, prunable_layers, test_data

    loaded, device = test_data(data, side, settings["device"], settings["threads"])
    model = load_round(rounds["current"], model_name, loaded.input_shape, loaded.num_classes).to(device)
    stages = layer_stages(model_name, model)
    layers = {name.removesuffix(".weight"): layer for name, layer in prunable_layers(model, list(stages)).items()}
    stages = {name.removesuffix(".weight"): stage for name, stage in stages.items()}
    sparse = {name: sparse_form(layer) for name, layer in layers.items()}
    x = loaded.inputs(loaded.x_test)
    costs, removable = layer_costs(model, layers, x), removable_channels(model, layers)
    repeats, warmup = settings["inference_repeats"], settings["inference_warmup"]
    rows = []
    for batch in settings["inference_batch_sizes"]:
        xb = _batch(x, batch)
        inputs = layer_inputs(model, layers, xb)
        times = {
            name: median_times({"dense": layers[name], "sparse": sparse[name]}, inputs[name], repeats, warmup)
            for name in layers
        }
        layer_rows = _layer_rows(layers, stages, costs, removable, times, batch)
        faster = [name for name in layers if times[name]["sparse"] < times[name]["dense"]]
        network = network_times(model, layers, sparse, faster, xb, repeats, warmup)
        rows += layer_rows + _network_rows(layer_rows, faster, network, batch)
    columns = {**identity, "round": round_number(rounds["current"].name), **_measurement(device)}
    return [{**columns, **row} for row in rows]


# What a rerun must reproduce bit for bit: everything but the times and what the choice of the hybrid depends on.
COST_COLUMNS = ["layer", "stage", "format", "macs", "weight_bytes", "channels", "fully_pruned_channels"]


def costs_table(inference: pd.DataFrame) -> pd.DataFrame:
    """The deterministic part of the inference table: each layer's and the network's work and storage dense and
    sparse, and its removable channels, once per round (not per batch size)."""
    from prunability.structure.tables import RUN

    keep = inference[inference["format"].isin(FORMATS)]
    columns = [*RUN, "round", "network_sparsity", *COST_COLUMNS, "removable_channels"]
    return keep[[c for c in columns if c in keep]].drop_duplicates(ignore_index=True)
