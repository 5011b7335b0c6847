"""Stage sparsity and the scaled magnitude distributions on hand-made weights and masks."""

import pytest
import torch

from prunability.structure.weights import magnitude_rows, stage_sparsity_rows

STAGES = {"conv.weight": "stem", "blocks.0.weight": "stage1", "blocks.1.weight": "stage1", "fc.weight": "classifier"}


def _masks() -> dict[str, torch.Tensor]:
    masks = {
        "conv.weight": torch.ones(4, 1, 1, 1),
        "blocks.0.weight": torch.ones(2, 3),
        "blocks.1.weight": torch.ones(5),
    }
    masks["fc.weight"] = torch.ones(2, 2)
    masks["conv.weight"][:1] = 0  # stem: 3 of 4 remain
    masks["blocks.1.weight"][:4] = 0  # stage1: 6 + 1 of 11 remain
    masks["fc.weight"][0, 0] = 0  # classifier: 3 of 4 remain
    return masks


def test_stage_sparsity_against_hand_counts():
    rows = stage_sparsity_rows(_masks(), STAGES)
    assert [(r["stage"], r["weights"], r["remaining"]) for r in rows] == [
        ("stem", 4, 3),
        ("stage1", 11, 7),
        ("classifier", 4, 3),
    ]
    assert rows[1]["sparsity"] == pytest.approx(4 / 11)
    assert all(r["network_sparsity"] == pytest.approx(6 / 19) for r in rows)


def test_magnitude_density_integrates_to_the_surviving_weights():
    gen = torch.Generator().manual_seed(0)
    masks = _masks()
    weights = {k: torch.randn(m.shape, generator=gen) for k, m in masks.items()}
    edges = torch.linspace(0, 5, 11)
    rows = magnitude_rows(weights, masks, STAGES, edges)
    for stage, kept in (("stem", 3), ("stage1", 7), ("classifier", 3)):
        mine = [r for r in rows if r["stage"] == stage]
        assert len(mine) == 10
        assert sum(r["density"] * (r["right"] - r["left"]) for r in mine) == pytest.approx(kept)
    ones = {k: torch.ones(m.shape) for k, m in masks.items()}  # every weight inside the edges: pruned ones excluded
    assert sum(r["count"] for r in magnitude_rows(ones, masks, STAGES, edges)) == 13
    big = {k: torch.full(m.shape, 100.0) for k, m in masks.items()}  # outside the edges: not counted
    assert sum(r["count"] for r in magnitude_rows(big, masks, STAGES, edges)) == 0
