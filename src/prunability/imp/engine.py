"""The training engine: device-resident data, index-slice batches, masks held exactly at zero.

No DataLoader and no per-sample Python: each epoch draws one seeded permutation, and a batch is a slice of
it. The permutation of epoch e depends only on (seed, e), so every IMP round replays the same data order from
the rewind step on. Pruned weights are zeroed after every optimiser step with one fused multiply, which also
undoes any momentum or weight decay that would revive them (benchmarks/mask_strategies.py measures it).
"""

import math
import sys
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from prunability.data.loading import DeviceData
from prunability.device import autocast
from prunability.imp.optim import SGD, Adam, Optimizer
from prunability.imp.recipe import Recipe, to_steps
from prunability.seeding import generator


def steps_per_epoch(n: int, batch_size: int) -> int:
    return math.ceil(n / batch_size)


def make_optimizer(model: nn.Module, recipe: Recipe) -> Optimizer:
    params = [p for p in model.parameters() if p.requires_grad]
    if recipe.optimizer == "adam":
        return Adam(params, lr=recipe.lr, weight_decay=recipe.weight_decay)
    return SGD(params, lr=recipe.lr, momentum=recipe.momentum, weight_decay=recipe.weight_decay)


class MaskKeeper:
    """Holds pruned weights at exactly zero: one fused in-place multiply over all masked tensors."""

    def __init__(self, model: nn.Module, masks: dict[str, torch.Tensor]):
        params = dict(model.named_parameters())
        self.params = [params[n] for n in masks]
        self.masks = [masks[n].to(params[n].device, params[n].dtype) for n in masks]

    @torch.no_grad()
    def apply(self) -> None:
        if self.params:
            torch._foreach_mul_(self.params, self.masks)


def epoch_order(seed: int, epoch: int, n: int, device: torch.device) -> torch.Tensor:
    """The data order of one epoch: drawn on CPU from (seed, epoch) so every device agrees."""
    return torch.randperm(n, generator=generator(seed, "order", epoch)).to(device)


def train(
    model: nn.Module,
    data: DeviceData,
    recipe: Recipe,
    masks: dict[str, torch.Tensor],
    seed: int,
    start_step: int = 0,
    snapshot_step: int | None = None,
    log: Callable[[str], None] = lambda s: print(s, file=sys.stderr, flush=True),
) -> tuple[dict[str, torch.Tensor] | None, int]:
    """Train from ``start_step`` to the recipe's end; return (state at ``snapshot_step`` or None, steps run).

    A fresh optimiser starts at ``start_step`` with the learning rate the schedule has there.
    """
    device = data.x_train.device
    n = data.x_train.shape[0]
    spe = steps_per_epoch(n, recipe.batch_size)
    total = to_steps(recipe.duration, spe)
    warmup = to_steps(recipe.warmup, spe)
    optimizer = make_optimizer(model, recipe)
    keeper = MaskKeeper(model, masks)
    keeper.apply()
    snapshot = None
    loss_sum, counted = torch.zeros((), device=device), 0
    tic = time.perf_counter()
    model.train()
    order = None
    for step in range(start_step, total):
        if step == snapshot_step:
            snapshot = {k: v.detach().clone() for k, v in model.state_dict().items()}
        epoch, pos = divmod(step, spe)
        if order is None or pos == 0:
            order = epoch_order(seed, epoch, n, device)
        idx = order[pos * recipe.batch_size : (pos + 1) * recipe.batch_size]
        x, y = data.train_batch(idx, generator(seed, "augment", step) if data.augment else None)
        optimizer.lr = recipe.lr_at(step, total, warmup)
        with autocast(device):
            loss = F.cross_entropy(model(x), y)
        for p in optimizer.params:
            p.grad = None
        loss.backward()
        optimizer.step()
        keeper.apply()
        loss_sum += loss.detach()
        counted += 1
        if pos == spe - 1 or step == total - 1:
            log(
                f"  epoch {epoch + 1}/{math.ceil(total / spe)}  train loss {loss_sum.item() / counted:.4f}  "
                f"lr {optimizer.lr:.4g}  {time.perf_counter() - tic:.1f}s"
            )
            loss_sum.zero_()
            counted = 0
    if snapshot_step is not None and snapshot is None and snapshot_step >= total:
        raise ValueError(f"rewind step {snapshot_step} is not before the end of training ({total} steps)")
    return snapshot, total - start_step


@torch.no_grad()
def evaluate(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    batch_size: int = 1024,
    inputs: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> tuple[float, float]:
    """(accuracy, mean cross-entropy) of ``model`` over ``x``, ``y`` in eval mode, under the training's precision
    policy (``device.autocast``), the model's mode left as it was; ``inputs`` brings stored examples to model
    inputs batch by batch (``DeviceData.inputs``). Every reported accuracy comes from here, so a zeroing
    baseline equals the round's recorded accuracy on any device."""
    was_training = model.training
    model.eval()
    device = x.device
    loss = torch.zeros((), device=device, dtype=torch.float64)
    correct = torch.zeros((), device=device, dtype=torch.long)
    for i in range(0, x.shape[0], batch_size):
        xb = x[i : i + batch_size]
        with autocast(device):
            logits = model(inputs(xb) if inputs else xb).float()
        yb = y[i : i + batch_size]
        loss += F.cross_entropy(logits, yb, reduction="sum").double()
        correct += (logits.argmax(1) == yb).sum()
    model.train(was_training)
    n = x.shape[0]
    return correct.item() / n, loss.item() / n
