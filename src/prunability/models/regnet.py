"""RegNetX-200MF in its common CIFAR form (Radosavovic et al. 2020), the structure study's grouped-conv model.

A 3x3 stem of 64 channels at stride 1, four stages of X-blocks (1x1 conv, grouped 3x3 conv with group width 8,
1x1 conv, each followed by batch norm; bottleneck ratio 1, no squeeze-excitation; a 1x1 projection shortcut
where the shape changes, ReLU after the sum) with depths 1, 1, 4, 7, widths 24, 56, 152, 368 and strides
1, 1, 2, 2; global average pooling; a linear classifier. 2,321,946 parameters at 10 classes, 2,301,024
prunable. ``regnetx200mf-W`` scales the stem to W channels and every width and the group width by W/64 (all
stay integers for W a multiple of 8): ``regnetx200mf-64`` is the published network.
"""

from torch import Tensor, nn

DEPTHS = (1, 1, 4, 7)
WIDTHS = (24, 56, 152, 368)
STRIDES = (1, 1, 2, 2)
GROUP_WIDTH = 8


def _conv_bn(cin: int, cout: int, kernel: int, stride: int = 1, groups: int = 1) -> list[nn.Module]:
    return [
        nn.Conv2d(cin, cout, kernel, stride=stride, padding=kernel // 2, groups=groups, bias=False),
        nn.BatchNorm2d(cout),
    ]


class XBlock(nn.Module):
    """1x1 -> grouped 3x3 (carries the stride) -> 1x1, plus the shortcut; ReLU after the sum."""

    def __init__(self, cin: int, cout: int, stride: int, group_width: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            *_conv_bn(cin, cout, 1),
            nn.ReLU(),
            *_conv_bn(cout, cout, 3, stride, groups=cout // group_width),
            nn.ReLU(),
            *_conv_bn(cout, cout, 1),
        )
        reshape = stride != 1 or cin != cout
        self.shortcut = nn.Sequential(*_conv_bn(cin, cout, 1, stride)) if reshape else nn.Identity()
        self.relu = nn.ReLU()

    def forward(self, x: Tensor) -> Tensor:
        return self.relu(self.body(x) + self.shortcut(x))


class RegNetX(nn.Module):
    """``stem``, ``stages.<s>.<b>`` (X-blocks), ``fc``."""

    def __init__(self, in_channels: int, stem: int, num_classes: int) -> None:
        super().__init__()
        scale = stem // 8  # W/64 in eighths, so that every width stays an integer
        self.stem = nn.Sequential(*_conv_bn(in_channels, stem, 3), nn.ReLU())
        self.stages = nn.ModuleList()
        channels, group_width = stem, GROUP_WIDTH * scale // 8
        for depth, width, stride in zip(DEPTHS, WIDTHS, STRIDES, strict=True):
            width = width * scale // 8
            blocks = [
                XBlock(channels if b == 0 else width, width, stride if b == 0 else 1, group_width) for b in range(depth)
            ]
            self.stages.append(nn.Sequential(*blocks))
            channels = width
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        x = self.stem(x)
        for stage in self.stages:
            x = stage(x)
        return self.fc(self.pool(x).flatten(1))

    def segments(self) -> list[nn.Module]:
        """The forward pass as a chain of single-input modules (for analyses that rerun only its suffix)."""
        return [self.stem, *(block for stage in self.stages for block in stage), self.pool, nn.Flatten(1), self.fc]


def regnetx200mf(sizes: list[int], input_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    """The registry's builder for ``regnetx200mf-W``: ``sizes`` is ``[W]``, the stem width (a multiple of 8)."""
    if len(sizes) != 1 or sizes[0] <= 0 or sizes[0] % 8:
        raise ValueError(f"regnetx200mf takes one stem width, a multiple of 8 (64 is published); got sizes {sizes}")
    return RegNetX(in_channels=input_shape[0], stem=sizes[0], num_classes=num_classes)


def regnetx_stage(layer: str) -> str:
    """``stem.0.weight`` -> ``stem``; ``stages.3.5.body.0.weight`` -> ``stage4``; ``fc.weight`` -> ``classifier``."""
    parts = layer.split(".")
    if parts[0] == "stages":
        return f"stage{int(parts[1]) + 1}"
    return "classifier" if parts[0] == "fc" else parts[0]
