"""Global magnitude pruning: exact counts, one threshold across tensors, survivors only."""

import pytest
import torch

from prunability.imp import masks as ml
from prunability.models.registry import build_model


def _weights(seed: int = 0) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return {"a.weight": torch.randn(30, 20, generator=g), "b.weight": torch.randn(10, 30, generator=g) * 3}


def test_prunable_weights_are_conv_and_linear_weights_only():
    model = build_model("mlp-8-4", (16,), 2, seed=0)
    names = ml.prunable_names(model)
    assert names == ["1.weight", "3.weight", "5.weight"]
    assert ml.prunable_names(model, ignore=["5"]) == ["1.weight", "3.weight"]


def test_each_round_removes_fraction_of_remaining_by_one_global_threshold():
    weights = _weights()
    masks = {n: torch.ones_like(w) for n, w in weights.items()}
    total = sum(w.numel() for w in weights.values())
    remaining = total
    for r in range(1, 8):
        new = ml.global_magnitude_prune(weights, masks, 0.2)
        left, _ = ml.count(new)
        assert remaining - left == round(0.2 * remaining)
        for n in masks:  # pruned weights never come back
            assert torch.all(new[n] <= masks[n])
        removed = torch.cat([weights[n][(masks[n] == 1) & (new[n] == 0)].abs() for n in masks])
        kept = torch.cat([weights[n][new[n] == 1].abs() for n in masks])
        assert removed.max() <= kept.min()  # one threshold over all tensors
        masks, remaining = new, left
        assert abs(left / total - 0.8**r) < 2 / total * r
    # global, not per layer: the larger-magnitude layer keeps a larger share
    assert masks["b.weight"].mean() > masks["a.weight"].mean()


def test_ties_at_the_threshold_still_remove_the_exact_count():
    weights = {"w": torch.ones(10, 10)}
    new = ml.global_magnitude_prune(weights, {"w": torch.ones(10, 10)}, 0.25)
    assert ml.count(new) == (75, 100)


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9])
def test_fraction_is_respected(fraction):
    weights = _weights(1)
    masks = {n: torch.ones_like(w) for n, w in weights.items()}
    left, total = ml.count(ml.global_magnitude_prune(weights, masks, fraction))
    assert total - left == round(fraction * total)
