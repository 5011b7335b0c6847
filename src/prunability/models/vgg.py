"""VGG16 with batch norm for CIFAR-shaped input, the structure study's largest model.

Five conv blocks (W,W | 2W,2W | 4W x3 | 8W x3 | 8W x3 channels), each conv 3x3 with bias, then batch norm and
ReLU, a 2x2 max pool after every block; global average pooling; then 8W -> 64W -> 64W -> classes with ReLU and
dropout. At W = 64 and 10 classes that is 33,646,666 parameters, 33,625,792 of them prunable (the "33.6
million" of the structure paper). The pooling makes 32-px inputs 1x1 before it, where it changes nothing, and
lets 64-px inputs (Tiny ImageNet) use the same network with 200 classes. Smaller W scale every layer alike:
``vgg16-8`` has one eighth of the channels and of the classifier's width.
"""

from torch import Tensor, nn

BLOCKS = ((1, 1), (2, 2), (4, 4, 4), (8, 8, 8), (8, 8, 8))  # channel multipliers of W, conv by conv


class VGG(nn.Module):
    """``stages.<s>`` holds block s+1's convs (``conv<j>``) with their norms; ``classifier`` the three linears."""

    def __init__(self, in_channels: int, width: int, num_classes: int) -> None:
        super().__init__()
        self.stages = nn.ModuleList()
        channels = in_channels
        for multipliers in BLOCKS:
            stage = nn.Sequential()
            for j, m in enumerate(multipliers):
                stage.add_module(f"conv{j}", nn.Conv2d(channels, m * width, kernel_size=3, padding=1))
                stage.add_module(f"bn{j}", nn.BatchNorm2d(m * width))
                stage.add_module(f"relu{j}", nn.ReLU())
                channels = m * width
            stage.add_module("pool", nn.MaxPool2d(2))
            self.stages.append(stage)
        self.pool = nn.AdaptiveAvgPool2d(1)
        hidden = 64 * width
        self.classifier = nn.Sequential(
            nn.Linear(channels, hidden),
            nn.ReLU(),
            nn.Dropout(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Dropout(),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        for stage in self.stages:
            x = stage(x)
        return self.classifier(self.pool(x).flatten(1))

    def segments(self) -> list[nn.Module]:
        """The forward pass as a chain of single-input modules (for analyses that rerun only its suffix)."""
        return [*(m for stage in self.stages for m in stage), self.pool, nn.Flatten(1), *self.classifier]


def vgg16(sizes: list[int], input_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    """The registry's builder for ``vgg16-W``: ``sizes`` is ``[W]`` (64 is the published network)."""
    if len(sizes) != 1 or sizes[0] <= 0:
        raise ValueError(f"vgg16 takes exactly one positive width, e.g. vgg16-64; got sizes {sizes}")
    return VGG(in_channels=input_shape[0], width=sizes[0], num_classes=num_classes)


def vgg16_stage(layer: str) -> str:
    """``stages.2.conv0.weight`` -> ``stage3``; the classifier's linears -> ``classifier`` (VGG has no stem)."""
    parts = layer.split(".")
    return f"stage{int(parts[1]) + 1}" if parts[0] == "stages" else parts[0]
