"""Which weights are prunable, and global magnitude pruning over them.

Prunable: the ``weight`` of every Conv and Linear layer not named in the ignore list; never biases or
normalisation parameters. Masks are float tensors of 0/1 keyed like the state dict.
"""

import torch
from torch import nn

PRUNABLE_LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)


def prunable_names(model: nn.Module, ignore: list[str] | tuple[str, ...] = ()) -> list[str]:
    """State-dict keys of prunable weights, in model order; ``ignore`` holds module names to leave dense."""
    return [
        f"{name}.weight"
        for name, module in model.named_modules()
        if isinstance(module, PRUNABLE_LAYERS) and name not in ignore
    ]


def full_masks(model: nn.Module, names: list[str]) -> dict[str, torch.Tensor]:
    """All-ones masks for the dense network."""
    params = dict(model.named_parameters())
    return {n: torch.ones_like(params[n]) for n in names}


def global_magnitude_prune(
    weights: dict[str, torch.Tensor], masks: dict[str, torch.Tensor], fraction: float
) -> dict[str, torch.Tensor]:
    """Remove ``fraction`` of the remaining weights with the smallest |w|, by one threshold over all tensors.

    Exactly round(fraction * remaining) weights are removed: ties at the threshold are broken by a stable
    sort of magnitudes, so the count never depends on how many weights share a value.
    """
    names = list(masks)
    flat_w = torch.cat([weights[n].detach().abs().flatten().float() for n in names])
    flat_m = torch.cat([masks[n].flatten() for n in names]).bool()
    remaining = torch.nonzero(flat_m).squeeze(1)
    n_prune = round(fraction * remaining.numel())
    order = torch.sort(flat_w[remaining], stable=True).indices[:n_prune]
    new_flat = flat_m.clone()
    new_flat[remaining[order]] = False
    out, offset = {}, 0
    for n in names:
        size = masks[n].numel()
        out[n] = new_flat[offset : offset + size].view_as(masks[n]).to(masks[n].dtype)
        offset += size
    return out


def count(masks: dict[str, torch.Tensor]) -> tuple[int, int]:
    """(remaining, total) prunable weights."""
    remaining = sum(int(m.sum()) for m in masks.values())
    return remaining, sum(m.numel() for m in masks.values())
