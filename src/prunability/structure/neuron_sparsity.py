"""Neuron sparsity (the structure paper's Algorithm 1) and a null model for fully pruned neurons.

A neuron is one output unit of a prunable layer (a conv filter or a linear unit); its sparsity is the fraction of
its incoming weights that the mask has removed. The paper finds no neuron pruned entirely. To make that
testable, each layer's observed count of fully pruned neurons is set beside the count expected if the same
number of zeros had been placed uniformly at random in that layer.
"""

import math

import torch


def neuron_sparsity_rows(masks: dict[str, torch.Tensor], stages: dict[str, str]) -> list[dict]:
    """One row per neuron of every layer in ``masks``: layer, stage, neuron, fan_in, zeros, sparsity."""
    rows = []
    for layer, mask in masks.items():
        fan_in = mask[0].numel()
        zeros = (mask.reshape(mask.shape[0], -1) == 0).sum(1).tolist()
        rows += [
            {"layer": layer, "stage": stages[layer], "neuron": i, "fan_in": fan_in, "zeros": z, "sparsity": z / fan_in}
            for i, z in enumerate(zeros)
        ]
    return rows


def expected_fully_pruned(neurons: int, fan_in: int, zeros: int) -> float:
    """Expected number of neurons with every incoming weight zero, ``zeros`` zeros placed uniformly at random.

    A neuron is fully pruned when all of its ``fan_in`` positions are among the zeros: a hypergeometric
    probability C(N - f, Z - f) / C(N, Z) = prod_{j<f} (Z - j) / (N - j) with N = neurons * fan_in positions.
    Computed in log space: for real layers it underflows to 0 long before it is printed as 0.
    """
    total = neurons * fan_in
    if zeros < fan_in:
        return 0.0
    log_p = (
        math.lgamma(zeros + 1)
        - math.lgamma(zeros - fan_in + 1)
        - math.lgamma(total + 1)
        + math.lgamma(total - fan_in + 1)
    )
    return neurons * math.exp(log_p)


def fully_pruned_rows(masks: dict[str, torch.Tensor], stages: dict[str, str]) -> list[dict]:
    """One row per layer: neurons, fan_in, zeros, fully pruned neurons observed and expected under the null."""
    rows = []
    for layer, mask in masks.items():
        flat = mask.reshape(mask.shape[0], -1)
        neurons, fan_in = flat.shape
        zeros = int((flat == 0).sum())
        rows.append(
            {
                "layer": layer,
                "stage": stages[layer],
                "neurons": neurons,
                "fan_in": fan_in,
                "zeros": zeros,
                "fully_pruned": int((flat == 0).all(1).sum()),
                "expected_fully_pruned": expected_fully_pruned(neurons, fan_in, zeros),
            }
        )
    return rows
