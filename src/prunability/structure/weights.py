"""Stage sparsity and weight-magnitude distributions of one round (the structure paper's Figs. 5-7).

Both read a round's trained weights and mask. A stage's sparsity is the fraction of its prunable weights that the
mask removed, set beside the whole network's (the diagonal of Fig. 7 is where a stage is pruned exactly as much
as the network). The magnitude distribution of a stage's surviving weights is a histogram scaled so that its
integral is the number of surviving weights in that stage: counts per unit of |w|, so stages of different
sizes compare by area.
"""

import torch


def stage_sparsity_rows(masks: dict[str, torch.Tensor], stages: dict[str, str]) -> list[dict]:
    """One row per stage, in network order: weights, remaining, sparsity, and the network's sparsity."""
    weights: dict[str, int] = {}
    remaining: dict[str, int] = {}
    for layer, mask in masks.items():
        stage = stages[layer]
        weights[stage] = weights.get(stage, 0) + mask.numel()
        remaining[stage] = remaining.get(stage, 0) + int(mask.count_nonzero())
    network = 1 - sum(remaining.values()) / sum(weights.values())
    return [
        {
            "stage": stage,
            "weights": weights[stage],
            "remaining": remaining[stage],
            "sparsity": 1 - remaining[stage] / weights[stage],
            "network_sparsity": network,
        }
        for stage in weights
    ]


def magnitude_rows(
    weights: dict[str, torch.Tensor], masks: dict[str, torch.Tensor], stages: dict[str, str], edges: torch.Tensor
) -> list[dict]:
    """Per stage and bin of |w| (``edges``, shared by every round so curves compare): surviving weights per unit
    of magnitude. Summed over bins, ``density * (right - left)`` is the stage's surviving weights within the edges.
    """
    edges = edges.double()
    survivors: dict[str, list[torch.Tensor]] = {}
    for layer, mask in masks.items():
        kept = weights[layer].detach().double().abs()[mask != 0]
        survivors.setdefault(stages[layer], []).append(kept)
    rows = []
    for stage, parts in survivors.items():
        counts = torch.histogram(torch.cat(parts), bins=edges).hist
        widths = edges[1:] - edges[:-1]
        rows += [
            {"stage": stage, "left": float(lo), "right": float(hi), "count": int(c), "density": float(c / w)}
            for lo, hi, c, w in zip(edges[:-1], edges[1:], counts, widths, strict=True)
        ]
    return rows
