"""A prunable layer's sparse form and what sparsity saves: CSR layers that compute what the dense ones do, the
work and storage of a layer dense and sparse, and the channels a pruned network could drop outright.

Sparse forms: a linear layer multiplies its CSR weight with the batch (``torch.sparse.mm``); a convolution
unfolds its input (im2col) and multiplies each group's CSR weight with the columns. Both equal the dense layer
up to float rounding (tests/test_inference.py).
"""

import warnings

import torch
import torch.nn.functional as F
from torch import Tensor, fx, nn

# Bytes of one stored value and of one index of the CSR form measured (float32 values, int32 indices).
VALUE_BYTES, INDEX_BYTES = 4, 4


def _csr(matrix: Tensor) -> Tensor:
    with warnings.catch_warnings():  # torch calls its CSR support beta; the tests hold it to the dense result
        warnings.simplefilter("ignore", UserWarning)
        return matrix.to_sparse_csr()


class SparseLinear(nn.Module):
    """A linear layer with its weight in CSR form."""

    def __init__(self, layer: nn.Linear) -> None:
        super().__init__()
        self.weight, self.bias = _csr(layer.weight.detach()), layer.bias

    def forward(self, x: Tensor) -> Tensor:
        y = torch.sparse.mm(self.weight, x.t()).t()
        return y if self.bias is None else y + self.bias


class SparseConv2d(nn.Module):
    """A 2-d convolution as im2col and one CSR product per group."""

    def __init__(self, layer: nn.Conv2d) -> None:
        super().__init__()
        self.conv, self.bias = layer, layer.bias
        out_per_group = layer.out_channels // layer.groups
        weight = layer.weight.detach().flatten(1)
        self.weights = [_csr(w) for w in weight.split(out_per_group)]

    def forward(self, x: Tensor) -> Tensor:
        c = self.conv
        n, _, h, _ = x.shape
        cols = F.unfold(x, c.kernel_size, c.dilation, c.padding, c.stride)  # (n, cin/g * k * k * g, positions)
        positions = cols.shape[-1]
        cols = cols.view(n, c.groups, -1, positions).permute(1, 2, 0, 3).reshape(c.groups, -1, n * positions)
        out = torch.cat([torch.sparse.mm(wg, cols[g]) for g, wg in enumerate(self.weights)])
        ho = (h + 2 * c.padding[0] - c.dilation[0] * (c.kernel_size[0] - 1) - 1) // c.stride[0] + 1
        out = out.view(c.out_channels, n, ho, positions // ho).transpose(0, 1)
        return out if self.bias is None else out + self.bias.view(1, -1, 1, 1)


def sparse_form(layer: nn.Module) -> nn.Module:
    """The layer with its weight in CSR form; the same function of its input."""
    if isinstance(layer, nn.Linear):
        return SparseLinear(layer)
    if isinstance(layer, nn.Conv2d):
        return SparseConv2d(layer)
    raise TypeError(f"no sparse form of {type(layer).__name__}")


def layer_costs(model: nn.Module, layers: dict[str, nn.Module], example: Tensor) -> dict[str, dict]:
    """Per layer: multiply-accumulates per image dense and of its non-zero weights, weight bytes dense and as CSR,
    from one forward pass of one ``example`` (its output positions)."""
    positions: dict[str, int] = {}
    hooks = [
        layer.register_forward_hook(lambda m, i, o, name=name: positions.__setitem__(name, o[0, 0].numel()))
        for name, layer in layers.items()
    ]
    with torch.no_grad():
        model(example[:1])
    for hook in hooks:
        hook.remove()
    costs = {}
    for name, layer in layers.items():
        weight = layer.weight.detach()
        nonzero = int(weight.count_nonzero())
        costs[name] = {
            "macs_dense": positions[name] * weight.numel(),
            "macs_nonzero": positions[name] * nonzero,
            "bytes_dense": weight.numel() * VALUE_BYTES,
            "bytes_csr": nonzero * (VALUE_BYTES + INDEX_BYTES) + (weight.shape[0] + 1) * INDEX_BYTES,
        }
    return costs


def _consumers(model: nn.Module, layers: dict[str, nn.Module]) -> dict[str, list[str] | None]:
    """Per layer: the prunable layers that read its output through element-wise operations (norms, activations,
    pools, residual sums, flattening); None where its output also reaches the network's output directly."""
    graph = fx.symbolic_trace(model).graph
    out: dict[str, list[str] | None] = {}
    for node in graph.nodes:
        if node.op != "call_module" or node.target not in layers:
            continue
        found, frontier, seen = [], list(node.users), set()
        while frontier:
            user = frontier.pop()
            if user in seen:
                continue
            seen.add(user)
            if user.op == "output":
                found = None
                break
            if user.op == "call_module" and user.target in layers:
                found.append(user.target)
            else:
                frontier += list(user.users)
        out[node.target] = found
    return out


def _reads(consumer: nn.Module, channels: int) -> Tensor:
    """Whether ``consumer`` has a non-zero weight on each of ``channels`` input channels."""
    weight = consumer.weight.detach()
    if weight.shape[1] * getattr(consumer, "groups", 1) % channels:
        raise ValueError(f"{consumer} does not read {channels} channels")
    if isinstance(consumer, nn.Linear):  # a flattened map: each channel owns a block of consecutive features
        return weight.ne(0).any(0).view(channels, -1).any(1)
    groups = consumer.groups
    per_group_in, per_group_out = weight.shape[1], weight.shape[0] // groups
    used = weight.ne(0).flatten(2).any(2)  # (out, in per group)
    return torch.stack(
        [used[(c // per_group_in) * per_group_out :][:per_group_out, c % per_group_in].any() for c in range(channels)]
    )


def removable_channels(model: nn.Module, layers: dict[str, nn.Module]) -> dict[str, tuple[int, int]]:
    """Per layer: (fully pruned output channels, channels removable outright: fully pruned, or read by no later
    layer). A removed channel leaves at most a constant (its norm's shift), which folds into the next bias."""
    consumers = _consumers(model, layers)
    out = {}
    for name, layer in layers.items():
        weight = layer.weight.detach()
        pruned = weight.flatten(1).eq(0).all(1)
        users = consumers[name]
        unread = torch.zeros_like(pruned)
        if users:
            read = torch.stack([_reads(layers[u], weight.shape[0]) for u in users]).any(0)
            unread = ~read
        out[name] = (int(pruned.sum()), int((pruned | unread).sum()))
    return out
