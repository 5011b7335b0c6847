"""Activation similarity between two networks on the same inputs (the structure paper's Algorithm 3),
accumulated batch by batch so that memory does not grow with the number of test images.

A layer's activations are a matrix of rows = samples and columns = neurons; a conv output [N, C, H, W]
becomes [N*H*W, C] (every position of every image is a sample, each filter a neuron). Two measures:

- per-neuron cosine similarity: for neuron c, <a_c, b_c> / (|a_c| |b_c|) over all rows, where a_c and b_c
  are that neuron's activation columns in the two networks (uncentred, since the paper's equation is lost);
- linear CKA (Kornblith et al. 2019), basis-invariant: with column-centred A and B,
  ||B^T A||_F^2 / (||A^T A||_F ||B^T B||_F).

Both need only running sums: per-neuron dot products and squared norms, and for CKA the cross-products
A^T B, A^T A, B^T B with the column sums that centre them. Sums are float64.
"""

from pathlib import Path

import torch
from torch import Tensor, nn

from prunability.numerics import exact_sqrt


def as_rows(activations: Tensor) -> Tensor:
    """[N, C] stays; [N, C, *spatial] -> [N * prod(spatial), C]."""
    if activations.dim() == 2:
        return activations
    return activations.movedim(1, -1).reshape(-1, activations.shape[1])


class Similarity:
    """Running sums for one layer's pair of activations; ``update`` per batch, then ``cosine()`` and ``cka()``."""

    def __init__(self) -> None:
        self.rows = 0
        self.sums: dict[str, Tensor] = {}

    def _add(self, key: str, value: Tensor) -> None:
        self.sums[key] = self.sums[key] + value if key in self.sums else value

    def update(self, a: Tensor, b: Tensor) -> None:
        a, b = as_rows(a).double(), as_rows(b).double()
        self.rows += a.shape[0]
        for key, value in (
            ("dot", (a * b).sum(0)),
            ("aa", (a * a).sum(0)),
            ("bb", (b * b).sum(0)),
            ("sa", a.sum(0)),
            ("sb", b.sum(0)),
            ("ab", a.T @ b),
            ("a_a", a.T @ a),
            ("b_b", b.T @ b),
        ):
            self._add(key, value)

    def cosine(self) -> Tensor:
        """Per-neuron cosine similarity; a neuron silent in either network gets NaN. The root is correctly rounded
        (``numerics.exact_sqrt``): torch's moved 1 % of the cosines by an ulp between an Intel and an AMD CPU."""
        s = self.sums
        return s["dot"] / exact_sqrt(s["aa"] * s["bb"])

    def cka(self) -> float:
        """Linear CKA of the column-centred activations."""
        s, n = self.sums, self.rows
        ab = s["ab"] - torch.outer(s["sa"], s["sb"]) / n
        aa = s["a_a"] - torch.outer(s["sa"], s["sa"]) / n
        bb = s["b_b"] - torch.outer(s["sb"], s["sb"]) / n
        return float((ab**2).sum() / (aa.norm() * bb.norm()))


def _capture(layers: dict[str, nn.Module], store: dict[str, Tensor]) -> list:
    """Forward hooks that keep each layer's output of the current batch under its name."""

    def keep(name: str):
        return lambda module, inputs, out: store.__setitem__(name, out)

    return [module.register_forward_hook(keep(name)) for name, module in layers.items()]


@torch.no_grad()
def layer_similarities(
    current: nn.Module, references: dict[str, nn.Module], layer_names: list[str], x: Tensor, batch_size: int = 256
) -> dict[str, dict[str, Similarity]]:
    """Per reference name and layer: the running sums of ``current`` against that reference on inputs ``x``.

    One pass over the data serves every reference (the baseline round 0 and the previous round).
    """
    nets = {"current": current, **references}
    outputs: dict[str, dict[str, Tensor]] = {name: {} for name in nets}
    hooks = []
    for name, net in nets.items():
        modules = dict(net.named_modules())
        hooks += _capture({layer: modules[layer.removesuffix(".weight")] for layer in layer_names}, outputs[name])
    sims = {ref: {layer: Similarity() for layer in layer_names} for ref in references}
    try:
        for start in range(0, x.shape[0], batch_size):
            for net in nets.values():
                net(x[start : start + batch_size])
            for ref in references:
                for layer in layer_names:
                    sims[ref][layer].update(outputs[ref][layer], outputs["current"][layer])
    finally:
        for hook in hooks:
            hook.remove()
    return sims


def similarity_rows(sims: dict[str, dict[str, Similarity]], stages: dict[str, str], identity: dict) -> list[dict]:
    """One row per reference, layer and neuron: the neuron's cosine similarity and the layer's linear CKA."""
    rows = []
    for ref, layers in sims.items():
        for layer, sim in layers.items():
            cka = sim.cka()
            rows += [
                {**identity, "reference": ref, "layer": layer, "stage": stages[layer], "neuron": i}
                | {"cosine": float(c), "cka": cka}
                for i, c in enumerate(sim.cosine().tolist())
            ]
    return rows


def similarity_of_round(
    rounds: dict[str, Path], model_name: str, data: Path, side: int | None, identity: dict, settings: dict
) -> list[dict]:
    """Similarity of each neuron's activations at round s (``rounds["current"]``) to round 0 (``baseline``) and
    round s-1 (``previous``, the rows' ``stepwise`` reference) on the run's test set; the rows. ``settings``:
    batch_size, device, threads."""
    from prunability.layout import round_number
    from prunability.structure.loading import layer_stages, load_round, test_data

    loaded, device = test_data(data, side, settings["device"], settings["threads"])
    named = {"current": rounds["current"], "baseline": rounds["baseline"], "stepwise": rounds["previous"]}
    nets = {
        name: load_round(path, model_name, loaded.input_shape, loaded.num_classes).to(device)
        for name, path in named.items()
    }
    current = nets.pop("current")
    stages = layer_stages(model_name, current)
    sims = layer_similarities(current, nets, list(stages), loaded.inputs(loaded.x_test), settings["batch_size"])
    return similarity_rows(sims, stages, {**identity, "round": round_number(rounds["current"].name)})
