"""ResNet20 of width W for CIFAR-shaped input (He et al. 2016, §4.2), the extrinsic experiment's model.

The layout follows open_lth's ``cifar_resnet_20`` so results compare with the lottery-ticket literature: a
3x3 stem, three stages of three basic blocks with W, 2W and 4W channels (stride 2 entering stages 2 and 3),
1x1 projection shortcuts where the shape changes, global average pooling and a linear classifier. Convs carry
no bias because a batch norm follows each one; at W=16 the prunable Conv/Linear weights are 270,896 of the
272,474 parameters. Pooling is global, so the same network accepts any image side: the extrinsic experiment
varies the side while the architecture stays fixed.
"""

from torch import Tensor, nn

BLOCKS_PER_STAGE = 3
STAGE_MULTIPLIERS = (1, 2, 4)


def _conv3x3(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    """A padded 3x3 conv without bias: the batch norm after it supplies the shift."""
    return nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)


class BasicBlock(nn.Module):
    """conv3x3-BN-ReLU-conv3x3-BN plus a shortcut, ReLU after the sum.

    The shortcut is a 1x1 conv + BN (He et al.'s option B) only where the block changes the shape; elsewhere
    the identity carries the signal through depth at no parameter cost.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int) -> None:
        super().__init__()
        self.conv1 = _conv3x3(in_channels, out_channels, stride)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = _conv3x3(out_channels, out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU()
        self.shortcut = _shortcut(in_channels, out_channels, stride)

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + self.shortcut(x))


def _shortcut(in_channels: int, out_channels: int, stride: int) -> nn.Module:
    """Identity when shapes match; otherwise a strided 1x1 projection so the residual sum is well defined."""
    if stride == 1 and in_channels == out_channels:
        return nn.Identity()
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False),
        nn.BatchNorm2d(out_channels),
    )


class ResNet(nn.Module):
    """Stem, residual stages, global average pooling, linear classifier (named ``fc`` as in open_lth)."""

    def __init__(self, in_channels: int, width: int, num_classes: int) -> None:
        super().__init__()
        self.conv = _conv3x3(in_channels, width)
        self.bn = nn.BatchNorm2d(width)
        self.relu = nn.ReLU()
        self.blocks = _stages(width)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(width * STAGE_MULTIPLIERS[-1], num_classes)
        _init_weights(self)

    def forward(self, x: Tensor) -> Tensor:
        out = self.blocks(self.relu(self.bn(self.conv(x))))
        return self.fc(self.pool(out).flatten(1))

    def segments(self) -> list[nn.Module]:
        """The forward pass as a chain of single-input modules (for analyses that rerun only its suffix)."""
        return [self.conv, self.bn, self.relu, *self.blocks, self.pool, nn.Flatten(1), self.fc]


def _stages(width: int) -> nn.Sequential:
    """All blocks in order; the first block of every stage after the first halves the spatial side."""
    blocks: list[nn.Module] = []
    channels = width
    for stage, multiplier in enumerate(STAGE_MULTIPLIERS):
        for index in range(BLOCKS_PER_STAGE):
            stride = 2 if stage > 0 and index == 0 else 1
            blocks.append(BasicBlock(channels, width * multiplier, stride))
            channels = width * multiplier
    return nn.Sequential(*blocks)


def _init_weights(model: nn.Module) -> None:
    """Kaiming-normal convs (fan_out, ReLU) and unit-scale, zero-shift BN: the conventional ResNet start.

    Linear layers keep PyTorch's default initialisation. Everything draws from the global CPU RNG, which
    ``build_model`` seeds, so the initial weights depend on the seed alone.
    """
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(module, nn.BatchNorm2d):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)


def resnet20(sizes: list[int], input_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    """The registry's builder for ``resnet20-W``: ``sizes`` is ``[W]``, ``input_shape`` is (C, H, W)."""
    if len(sizes) != 1 or sizes[0] <= 0:
        raise ValueError(f"resnet20 takes exactly one positive width, e.g. resnet20-16; got sizes {sizes}")
    return ResNet(in_channels=input_shape[0], width=sizes[0], num_classes=num_classes)


def resnet20_stage(layer: str) -> str:
    """``conv.weight`` -> ``stem``; ``blocks.4.conv1.weight`` -> ``stage2`` (three blocks a stage, shortcuts
    included); ``fc.weight`` -> ``classifier``."""
    parts = layer.split(".")
    if parts[0] == "blocks":
        return f"stage{int(parts[1]) // BLOCKS_PER_STAGE + 1}"
    return {"conv": "stem", "fc": "classifier"}.get(parts[0], parts[0])
