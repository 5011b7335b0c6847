"""ResNet20: the published parameter count, counts from the architecture at other widths, any input size."""

import pytest
import torch
from torch import nn

from prunability.imp.masks import prunable_names
from prunability.models.resnet import resnet20


def _counts(model: nn.Module) -> tuple[int, int]:
    """(all parameters, prunable Conv2d/Linear weights)."""
    total = sum(p.numel() for p in model.parameters())
    modules = [m for m in model.modules() if isinstance(m, nn.Conv2d | nn.Linear)]
    return total, sum(m.weight.numel() for m in modules)


def _expected_counts(width: int, in_channels: int, num_classes: int) -> tuple[int, int]:
    """(all, prunable) from the architecture: stem, 3 stages x 3 blocks, projections where shapes change, fc."""
    weights = 9 * in_channels * width  # stem 3x3 conv
    bn_channels = width
    channels = width
    for out in (width, 2 * width, 4 * width):
        for _ in range(3):
            weights += 9 * channels * out + 9 * out * out
            bn_channels += 2 * out
            if channels != out:
                weights += channels * out  # 1x1 projection shortcut
                bn_channels += out
            channels = out
    weights += channels * num_classes
    return weights + 2 * bn_channels + num_classes, weights


def test_width_16_has_the_published_parameter_count() -> None:
    total, prunable = _counts(resnet20([16], (3, 32, 32), 10))
    assert (total, prunable) == (272_474, 270_896)
    assert _expected_counts(16, 3, 10) == (272_474, 270_896)


@pytest.mark.parametrize("width", [8, 32])
def test_other_widths_match_the_architecture_formula(width: int) -> None:
    assert _counts(resnet20([width], (3, 32, 32), 10)) == _expected_counts(width, 3, 10)


def test_prunable_names_cover_exactly_the_conv_and_linear_weights() -> None:
    model = resnet20([8], (3, 32, 32), 10)
    names = prunable_names(model)
    params = dict(model.named_parameters())
    assert len(names) == 1 + 9 * 2 + 2 + 1  # stem, block convs, two projections, fc
    assert names[-1] == "fc.weight"
    assert sum(params[n].numel() for n in names) == _expected_counts(8, 3, 10)[1]


@pytest.mark.parametrize("side", [8, 16, 64])
def test_forward_works_at_any_image_size(side: int) -> None:
    model = resnet20([4], (3, side, side), 10)
    assert model(torch.randn(2, 3, side, side)).shape == (2, 10)


def test_single_channel_input() -> None:
    model = resnet20([4], (1, 16, 16), 7)
    assert model(torch.randn(3, 1, 16, 16)).shape == (3, 7)
    assert _counts(model) == _expected_counts(4, 1, 7)


def test_initialisation_is_kaiming_for_convs_and_identity_for_batch_norm() -> None:
    torch.manual_seed(0)
    model = resnet20([32], (3, 32, 32), 10)
    last = model.blocks[-1].conv2.weight  # fan_out = 128 * 3 * 3
    assert abs(last.std().item() - (2 / (128 * 9)) ** 0.5) < 0.002
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            assert torch.all(module.weight == 1) and torch.all(module.bias == 0)
    assert all(m.bias is None for m in model.modules() if isinstance(m, nn.Conv2d))


@pytest.mark.parametrize("sizes", [[], [16, 16], [0]])
def test_rejects_anything_but_one_positive_width(sizes: list[int]) -> None:
    with pytest.raises(ValueError, match="exactly one positive width"):
        resnet20(sizes, (3, 32, 32), 10)
