"""MLP-P-Q: input -> P -> Q -> classes with ReLU, the task-dimensionality experiment's model."""

import math

from torch import nn


def mlp(hidden: list[int], input_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    """A fully connected ReLU network over the flattened input, hidden widths in order."""
    layers: list[nn.Module] = [nn.Flatten()]
    width = math.prod(input_shape)
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    layers.append(nn.Linear(width, num_classes))
    return nn.Sequential(*layers)
