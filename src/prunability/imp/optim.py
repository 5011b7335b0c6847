"""SGD (momentum, weight decay) and Adam as fused foreach updates, with torch.optim's exact update rules.

Why not torch.optim: its first use imports torch._dynamo, about 2 s per process on 2 CPU cores, which is
paid once per IMP round job and was a third of a quick-study round. tests/test_optim.py checks these updates
against torch.optim step for step.
"""

from dataclasses import dataclass, field

import torch


@dataclass
class SGD:
    """PyTorch SGD: g += wd·p; buf = m·buf + g (buf = g on the first step); p -= lr·buf."""

    params: list[torch.Tensor]
    lr: float
    momentum: float = 0.0
    weight_decay: float = 0.0
    buffers: list[torch.Tensor] | None = field(default=None, init=False)

    @torch.no_grad()
    def step(self) -> None:
        params = [p for p in self.params if p.grad is not None]
        grads = [p.grad for p in params]
        if self.weight_decay:
            grads = torch._foreach_add(grads, params, alpha=self.weight_decay)
        if self.momentum:
            if self.buffers is None:
                self.buffers = [g.detach().clone() for g in grads]
            else:
                torch._foreach_mul_(self.buffers, self.momentum)
                torch._foreach_add_(self.buffers, grads)
            grads = self.buffers
        torch._foreach_add_(params, grads, alpha=-self.lr)


@dataclass
class Adam:
    """PyTorch Adam (L2 weight decay added to the gradient, bias-corrected moments)."""

    params: list[torch.Tensor]
    lr: float
    weight_decay: float = 0.0
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    t: int = field(default=0, init=False)
    m: list[torch.Tensor] | None = field(default=None, init=False)
    v: list[torch.Tensor] | None = field(default=None, init=False)

    @torch.no_grad()
    def step(self) -> None:
        params = [p for p in self.params if p.grad is not None]
        grads = [p.grad for p in params]
        if self.weight_decay:
            grads = torch._foreach_add(grads, params, alpha=self.weight_decay)
        if self.m is None:
            self.m = [torch.zeros_like(p) for p in params]
            self.v = [torch.zeros_like(p) for p in params]
        self.t += 1
        b1, b2 = self.betas
        torch._foreach_lerp_(self.m, grads, 1 - b1)
        torch._foreach_mul_(self.v, b2)
        torch._foreach_addcmul_(self.v, grads, grads, 1 - b2)
        step_size = self.lr / (1 - b1**self.t)
        denom = torch._foreach_sqrt(self.v)
        torch._foreach_div_(denom, (1 - b2**self.t) ** 0.5)
        torch._foreach_add_(denom, self.eps)
        torch._foreach_addcdiv_(params, self.m, denom, -step_size)


Optimizer = SGD | Adam
