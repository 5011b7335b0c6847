"""Neuron zeroing (the structure paper's Algorithm 2): the test accuracy and loss lost when one neuron is
silenced, for every neuron of every prunable layer.

Literally, each neuron costs one evaluation of the whole network with its incoming weights and bias set to 0
(the batch norm after a conv is left as it is, so a zeroed channel outputs BN(0)). Zeroing a neuron's weights
and bias makes its output exactly 0, so the same result comes from zeroing that output channel, which allows
two savings, both exact:

- only the part of the network after the ablated layer depends on the ablation: the network is a chain of
  single-input segments (``model.segments()``), the segments before the one holding the layer run once per
  batch, and only the rest runs per neuron;
- many ablations share one forward pass: the segment input is replicated K times and replica k has neuron k's
  channel zeroed, by a forward hook on the layer.

``literal_zeroing`` is Algorithm 2 word for word, kept as the reference the tests compare against.
"""

from collections.abc import Iterator
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from prunability.device import autocast
from prunability.imp.engine import evaluate


def _segment_of(segments: list[nn.Module], layer: nn.Module) -> int:
    for index, segment in enumerate(segments):
        if any(m is layer for m in segment.modules()):
            return index
    raise ValueError(f"layer {layer} is in none of the model's segments")


def _batches(x: Tensor, y: Tensor, batch_size: int) -> Iterator[tuple[Tensor, Tensor]]:
    for start in range(0, x.shape[0], batch_size):
        yield x[start : start + batch_size], y[start : start + batch_size]


def _run(segments: list[nn.Module], h: Tensor) -> Tensor:
    for segment in segments:
        h = segment(h)
    return h


def _zero_channel_per_replica(first: int, count: int, batch: int):
    """A forward hook that zeroes output channel ``first + k`` in replica k of a ``count``-fold batch."""

    def hook(module: nn.Module, inputs: tuple, out: Tensor) -> Tensor:
        out = out.clone()
        view = out.view(count, batch, *out.shape[1:])
        replicas = torch.arange(count, device=out.device)
        view[replicas, :, first + replicas] = 0
        return out

    return hook


@torch.no_grad()
def zeroing_effects(
    model: nn.Module, layers: dict[str, nn.Module], x: Tensor, y: Tensor, batch_size: int = 256, chunk: int = 4
) -> dict[str, tuple[Tensor, Tensor]]:
    """Per layer name: (test accuracy, mean test loss) with each of its neurons zeroed, one entry per neuron.

    ``model`` must be in eval mode and expose ``segments()``; ``chunk`` neurons share one forward pass (4 was
    the fastest on the CPU in ``benchmarks/zeroing.py``; 32 was slower: the replicated batch outgrows caches).
    """
    segments = model.segments()
    found = {name: (layer, _segment_of(segments, layer)) for name, layer in layers.items()}
    correct = {name: torch.zeros(layer.weight.shape[0], dtype=torch.float64) for name, layer in layers.items()}
    loss = {name: torch.zeros(layer.weight.shape[0], dtype=torch.float64) for name, layer in layers.items()}
    for xb, yb in _batches(x, y, batch_size):
        inputs = [xb]  # inputs[s]: the input of segment s, computed once per batch
        for segment in segments:
            inputs.append(segment(inputs[-1]))
        for name, (layer, s) in found.items():
            for first in range(0, layer.weight.shape[0], chunk):
                count = min(chunk, layer.weight.shape[0] - first)
                rep = inputs[s].repeat(count, *([1] * (inputs[s].dim() - 1)))
                handle = layer.register_forward_hook(_zero_channel_per_replica(first, count, xb.shape[0]))
                try:
                    with autocast(xb.device):  # the precision every evaluation uses (imp.engine.evaluate)
                        logits = _run(segments[s:], rep).float().view(count, xb.shape[0], -1)
                finally:
                    handle.remove()
                labels = yb.expand(count, -1)
                correct[name][first : first + count] += (logits.argmax(-1) == labels).sum(1).double().cpu()
                ce = F.cross_entropy(logits.flatten(0, 1), labels.flatten(), reduction="none").view(count, -1)
                loss[name][first : first + count] += ce.sum(1).double().cpu()
    n = x.shape[0]
    return {name: (correct[name] / n, loss[name] / n) for name in layers}


@torch.no_grad()
def literal_zeroing(
    model: nn.Module, layers: dict[str, nn.Module], x: Tensor, y: Tensor, batch_size: int = 256
) -> dict[str, tuple[Tensor, Tensor]]:
    """Algorithm 2 as written: per neuron, zero its incoming weights and bias, evaluate the whole network, restore."""
    out = {}
    for name, layer in layers.items():
        accuracy, losses = [], []
        params = [p for p in (layer.weight, layer.bias) if p is not None]
        for neuron in range(layer.weight.shape[0]):
            saved = [p[neuron].clone() for p in params]
            for p in params:
                p[neuron] = 0
            acc, mean_loss = evaluate(model, x, y, batch_size)
            for p, value in zip(params, saved, strict=True):
                p[neuron] = value
            accuracy.append(acc)
            losses.append(mean_loss)
        out[name] = (torch.tensor(accuracy, dtype=torch.float64), torch.tensor(losses, dtype=torch.float64))
    return out


def zeroing_rows(
    model: nn.Module,
    layers: dict[str, nn.Module],
    stages: dict[str, str],
    x: Tensor,
    y: Tensor,
    identity: dict,
    batch_size: int = 256,
    chunk: int = 4,
) -> list[dict]:
    """One row per neuron: accuracy and loss with it zeroed, and their change from the unablated network."""
    base_accuracy, base_loss = evaluate(model, x, y, batch_size)
    rows = []
    for layer, (accuracy, losses) in zeroing_effects(model, layers, x, y, batch_size, chunk).items():
        rows += [
            {
                **identity,
                "layer": layer,
                "stage": stages[layer],
                "neuron": i,
                "test_accuracy": float(acc),
                "test_loss": float(loss),
                "delta_accuracy": float(acc) - base_accuracy,
                "delta_loss": float(loss) - base_loss,
            }
            for i, (acc, loss) in enumerate(zip(accuracy, losses, strict=True))
        ]
    return rows


def zeroing_of_round(
    rounds: dict[str, Path], model_name: str, data: Path, side: int | None, identity: dict, settings: dict
) -> list[dict]:
    """Zero every neuron of every prunable layer of round ``rounds["current"]`` on the run's test set; the rows.
    ``settings``: batch_size, chunk, device, threads."""
    round_dir = rounds["current"]
    from prunability.layout import round_number
    from prunability.structure.loading import layer_stages, load_round, prunable_layers, test_data

    loaded, device = test_data(data, side, settings["device"], settings["threads"])
    model = load_round(round_dir, model_name, loaded.input_shape, loaded.num_classes).to(device)
    stages = layer_stages(model_name, model)
    layers = prunable_layers(model, list(stages))
    x, y = loaded.inputs(loaded.x_test), loaded.y_test
    columns = {**identity, "round": round_number(round_dir.name)}
    return zeroing_rows(model, layers, stages, x, y, columns, settings["batch_size"], settings["chunk"])
