"""Neuron sparsity against a hand-made mask; the null model's count against a simulation."""

import numpy as np
import pytest
import torch

from prunability.structure.neuron_sparsity import expected_fully_pruned, fully_pruned_rows, neuron_sparsity_rows


def test_neuron_sparsity_of_a_hand_made_mask():
    conv = torch.ones(3, 2, 2, 2)  # 3 filters of 8 incoming weights
    conv[0, 0] = 0  # 4 of 8
    conv[2] = 0  # all 8
    linear = torch.tensor([[1.0, 0.0, 0.0, 1.0], [1.0, 1.0, 1.0, 1.0]])
    rows = neuron_sparsity_rows(
        {"c.weight": conv, "fc.weight": linear}, {"c.weight": "stem", "fc.weight": "classifier"}
    )
    assert [(r["layer"], r["stage"], r["neuron"], r["fan_in"], r["zeros"]) for r in rows] == [
        ("c.weight", "stem", 0, 8, 4),
        ("c.weight", "stem", 1, 8, 0),
        ("c.weight", "stem", 2, 8, 8),
        ("fc.weight", "classifier", 0, 4, 2),
        ("fc.weight", "classifier", 1, 4, 0),
    ]
    assert [r["sparsity"] for r in rows] == [0.5, 0.0, 1.0, 0.5, 0.0]
    layers = fully_pruned_rows({"c.weight": conv, "fc.weight": linear}, {"c.weight": "stem", "fc.weight": "classifier"})
    assert [(r["neurons"], r["fan_in"], r["zeros"], r["fully_pruned"]) for r in layers] == [(3, 8, 12, 1), (2, 4, 2, 0)]


@pytest.mark.parametrize(("neurons", "fan_in", "zeros"), [(20, 4, 40), (50, 3, 120), (10, 9, 85)])
def test_null_model_matches_a_simulation(neurons, fan_in, zeros):
    rng = np.random.default_rng(0)
    trials = 20_000
    counts = np.empty(trials)
    for t in range(trials):
        mask = np.ones(neurons * fan_in)
        mask[rng.choice(neurons * fan_in, size=zeros, replace=False)] = 0
        counts[t] = (mask.reshape(neurons, fan_in) == 0).all(1).sum()
    expected = expected_fully_pruned(neurons, fan_in, zeros)
    assert abs(counts.mean() - expected) < 4 * counts.std() / np.sqrt(trials) + 1e-9


def test_null_model_edge_cases():
    assert expected_fully_pruned(5, 4, 3) == 0.0  # fewer zeros than one neuron's fan-in
    assert expected_fully_pruned(5, 4, 20) == pytest.approx(5.0)  # everything pruned
    assert expected_fully_pruned(512, 4608, int(0.98 * 512 * 4608)) < 1e-30  # a VGG16 conv at 98 % sparsity
