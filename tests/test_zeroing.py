"""Batched neuron zeroing equals the literal Algorithm 2, on networks with residual connections and batch norm."""

import pytest
import torch
from torch import nn

from prunability.imp.engine import evaluate
from prunability.imp.masks import PRUNABLE_LAYERS
from prunability.models.registry import build_model
from prunability.structure.zeroing import literal_zeroing, zeroing_effects


def _network(name: str, side: int = 8) -> nn.Module:
    """A seeded network with non-trivial batch-norm statistics, in eval mode as the analysis uses it."""
    model = build_model(name, (3, side, side), 5, seed=0)
    gen = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=gen) * 0.1)
            m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
            m.bias.data.copy_(torch.randn(m.num_features, generator=gen) * 0.1)
    return model.eval()


@pytest.mark.parametrize(("name", "side"), [("resnet20-2", 8), ("vgg16-1", 32), ("regnetx200mf-8", 8)])
def test_batched_zeroing_equals_the_literal_loop(name, side):
    model = _network(name, side)
    gen = torch.Generator().manual_seed(2)
    x, y = torch.randn(37, 3, side, side, generator=gen), torch.randint(0, 5, (37,), generator=gen)
    layers = {n: m for n, m in model.named_modules() if isinstance(m, PRUNABLE_LAYERS)}
    layers = dict(list(layers.items())[:: max(1, len(layers) // 6)])  # a spread of layers, stem to classifier
    fast = zeroing_effects(model, layers, x, y, batch_size=16, chunk=3)
    slow = literal_zeroing(model, layers, x, y, batch_size=16)
    assert list(fast) == list(slow)
    for layer in layers:
        assert torch.equal(fast[layer][0], slow[layer][0]), layer
        torch.testing.assert_close(fast[layer][1], slow[layer][1], rtol=1e-5, atol=1e-6)
    assert evaluate(model, x, y) == evaluate(_network(name, side), x, y)  # the model is left as it was


def test_zeroing_a_neuron_changes_the_output():
    model = _network("resnet20-2")
    x, y = torch.randn(64, 3, 8, 8), torch.randint(0, 5, (64,))
    _, base_loss = evaluate(model, x, y)
    _, losses = zeroing_effects(model, {"fc": model.fc}, x, y)["fc"]
    assert (losses != base_loss).all()  # silencing any output unit moves the loss


def test_evaluate_leaves_the_model_in_the_mode_it_found():
    """The round evaluates a training model, zeroing an eval-mode one: neither may come back switched."""
    model, x, y = _network("resnet20-2"), torch.randn(8, 3, 8, 8), torch.randint(0, 5, (8,))
    for training in (True, False):
        model.train(training)
        evaluate(model, x, y)
        assert model.training is training
