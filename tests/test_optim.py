"""The foreach optimisers follow torch.optim's update rules step for step."""

import pytest
import torch

from prunability.imp.optim import SGD, Adam


def _run(make, steps=6):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.ReLU(), torch.nn.Linear(7, 3))
    opt = make(list(model.parameters()))
    x, y = torch.randn(16, 5), torch.randint(0, 3, (16,))
    for _ in range(steps):
        for p in model.parameters():
            p.grad = None
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    return [p.detach().clone() for p in model.parameters()]


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (
            lambda p: SGD(p, lr=0.1, momentum=0.9, weight_decay=1e-2),
            lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=1e-2),
        ),
        (lambda p: SGD(p, lr=0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
        (
            lambda p: Adam(p, lr=0.01, weight_decay=1e-3),
            lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=1e-3),
        ),
    ],
)
def test_matches_torch_optim(ours, theirs):
    for a, b in zip(_run(ours), _run(theirs), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
