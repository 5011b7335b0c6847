"""The inference analysis: sparse layers compute what the dense ones do, its counts are exact, and a channel
is removable exactly when it is pruned or unread."""

import pytest
import torch
from torch import nn

from prunability.imp.masks import PRUNABLE_LAYERS
from prunability.models.registry import build_model
from prunability.structure.inference import median_times
from prunability.structure.sparse_forms import layer_costs, removable_channels, sparse_form


def _pruned(layer: nn.Module, keep: float = 0.2, seed: int = 0) -> nn.Module:
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        layer.weight.mul_((torch.rand(layer.weight.shape, generator=generator) < keep).float())
    return layer.eval()


LAYERS = {
    "3x3 padded": (nn.Conv2d(4, 6, 3, padding=1, bias=False), (2, 4, 9, 9)),
    "3x3 strided": (nn.Conv2d(4, 6, 3, stride=2, padding=1), (2, 4, 9, 9)),
    "1x1 strided": (nn.Conv2d(4, 8, 1, stride=2, bias=False), (2, 4, 8, 8)),
    "grouped": (nn.Conv2d(8, 8, 3, padding=1, groups=4, bias=False), (2, 8, 7, 7)),
    "unpadded": (nn.Conv2d(3, 5, 3), (1, 3, 6, 5)),
    "linear": (nn.Linear(12, 7), (5, 12)),
}


@pytest.mark.parametrize("kind", LAYERS)
def test_sparse_form_equals_the_dense_layer(kind):
    layer, shape = LAYERS[kind]
    layer = _pruned(layer)
    x = torch.randn(shape)
    with torch.no_grad():
        torch.testing.assert_close(sparse_form(layer)(x), layer(x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["resnet20-2", "vgg16-8", "regnetx200mf-8"])
def test_every_layer_of_the_three_architectures_has_an_equal_sparse_form(name):
    model = build_model(name, (3, 32, 32), 10, seed=0).eval()
    layers = {n: _pruned(m, seed=i) for i, (n, m) in enumerate(model.named_modules()) if isinstance(m, PRUNABLE_LAYERS)}
    inputs = {}
    hooks = [m.register_forward_pre_hook(lambda m, i, n=n: inputs.__setitem__(n, i[0])) for n, m in layers.items()]
    with torch.no_grad():
        model(torch.randn(2, 3, 32, 32))
        for hook in hooks:
            hook.remove()
        for n, layer in layers.items():
            torch.testing.assert_close(sparse_form(layer)(inputs[n]), layer(inputs[n]), rtol=1e-4, atol=1e-4)


def test_costs_count_every_output_position_and_non_zero_weight():
    conv = _pruned(nn.Conv2d(3, 4, 3, stride=2, padding=1, bias=False))
    model = nn.Sequential(conv)
    costs = layer_costs(model, {"0": conv}, torch.randn(1, 3, 8, 8))["0"]
    nonzero = int(conv.weight.count_nonzero())
    assert costs["macs_dense"] == 4 * 4 * conv.weight.numel()  # 4x4 output positions
    assert costs["macs_nonzero"] == 16 * nonzero
    assert costs["bytes_dense"] == 4 * conv.weight.numel() and costs["bytes_csr"] == 8 * nonzero + 4 * (4 + 1)


def test_a_channel_is_removable_when_pruned_or_read_by_no_later_layer():
    model = build_model("resnet20-2", (3, 8, 8), 5, seed=0).eval()
    layers = {n: m for n, m in model.named_modules() if isinstance(m, PRUNABLE_LAYERS)}
    with torch.no_grad():
        layers["conv"].weight[0] = 0  # the stem's channel 0: fully pruned
        layers["blocks.0.conv1"].weight[:, 1] = 0  # block 0's first conv no longer reads the stem's channel 1 ...
    before = removable_channels(model, layers)
    assert before["conv"] == (1, 1)  # ... but the residual path still carries it to later blocks
    with torch.no_grad():  # cut every reader of the stem's channel 1 along the residual stream of stage 1
        for name, layer in layers.items():
            stage1 = name.startswith(("blocks.0.", "blocks.1.", "blocks.2.", "blocks.3.conv1", "blocks.3.shortcut"))
            if stage1 and layer.weight.shape[1] == 2:
                layer.weight[:, 1] = 0
    assert removable_channels(model, layers)["conv"] == (1, 2)
    assert removable_channels(model, layers)["fc"] == (0, 0)  # the classifier's outputs are the network's


def test_times_are_medians_of_interleaved_repeats():
    calls = []
    times = median_times({"a": lambda x: calls.append("a"), "b": lambda x: calls.append("b")}, torch.zeros(1), 3, 1)
    assert calls == ["a", "b"] * 4 and set(times) == {"a", "b"} and all(t >= 0 for t in times.values())
