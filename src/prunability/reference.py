"""The reference learner: a multinomial logistic regression on the standardised raw inputs of a data artifact.

"Matching" compares a pruned round with its dense network, so the dense network must first have learned what its
data allows; a linear model on the same inputs is the floor it must reach (``prunability.yardstick``). Images are
flattened at their stored resolution: the extrinsic experiment's resizing copies pixels and adds nothing a linear
model can use, so one fit serves every side.

The objective is scikit-learn's ``LogisticRegression`` default (L2 penalty with C = 1 on the weights, not the
intercepts, lbfgs), solved here with torch's L-BFGS in float64 on the job's device: the same fit (a test holds the
two within half a point), under the pinned numerics of every other job, and on a GPU where the job has one. Its
speed at paper scale (50,000 CIFAR-10 images) has not been measured.
"""

import json
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

from prunability.artifacts import load_tensors, write_rows
from prunability.numerics import exact_sqrt

# scikit-learn's default inverse regularisation strength.
C = 1.0
# L-BFGS stops when the largest gradient component of the mean loss falls below this (scikit-learn's tol), or after
# MAX_ITER steps.
TOLERANCE = 1e-4
MAX_ITER = 1000


def _standardised(x_train: torch.Tensor, x_test: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Flattened float64 inputs scaled by the training set's per-feature mean and std (constant features: 1)."""
    train, test = x_train.flatten(1).double(), x_test.flatten(1).double()
    mean = train.mean(0)
    std = exact_sqrt(train.var(0, correction=0))  # correctly rounded: the same on every CPU
    std = torch.where(std > 0, std, torch.ones_like(std))
    return (train - mean) / std, (test - mean) / std


def fit(
    x_train: torch.Tensor, y_train: torch.Tensor, c: float = C, max_iter: int = MAX_ITER
) -> tuple[torch.Tensor, torch.Tensor]:
    """Weights [features, classes] and intercepts minimising mean cross-entropy + ||W||² / (2 c n): the minimiser
    of scikit-learn's c · summed loss + ||W||² / 2, scaled so that the gradient tolerance does not grow with n."""
    n, classes = x_train.shape[0], int(y_train.max()) + 1
    weights = torch.zeros(x_train.shape[1], classes, dtype=torch.float64, device=x_train.device, requires_grad=True)
    bias = torch.zeros(classes, dtype=torch.float64, device=x_train.device, requires_grad=True)
    solver = torch.optim.LBFGS(
        [weights, bias],
        lr=1.0,
        max_iter=max_iter,
        max_eval=2 * max_iter,
        tolerance_grad=TOLERANCE,
        tolerance_change=1e-12,
        history_size=20,
        line_search_fn="strong_wolfe",
    )

    def objective() -> torch.Tensor:
        solver.zero_grad()
        loss = F.cross_entropy(x_train @ weights + bias, y_train) + weights.square().sum() / (2 * c * n)
        loss.backward()
        return loss

    solver.step(objective)
    return weights.detach(), bias.detach()


def accuracy(tensors: dict[str, torch.Tensor], device: torch.device) -> float:
    """Test accuracy of the reference learner fitted on an artifact's training set."""
    x_train, x_test = _standardised(tensors["x_train"].to(device), tensors["x_test"].to(device))
    y_train, y_test = tensors["y_train"].to(device), tensors["y_test"].to(device)
    weights, bias = fit(x_train, y_train)
    return float(((x_test @ weights + bias).argmax(1) == y_test).double().mean())


def reference_rows(artifacts: list[dict], out: str | Path, device: torch.device) -> list[dict]:
    """One row per artifact entry ({data, identity}): its identity, the reference accuracy and the data's size.
    Entries that share a data file (every side and seed of one image set) share one fit."""
    fitted: dict[str, dict] = {}
    rows = []
    for artifact in artifacts:
        if artifact["data"] not in fitted:
            tensors, meta = load_tensors(artifact["data"])
            fitted[artifact["data"]] = {
                "data_source": meta["source"],
                "reference_accuracy": accuracy(tensors, device),
                "train_examples": int(tensors["y_train"].numel()),
                "test_examples": int(tensors["y_test"].numel()),
                "features": int(tensors["x_train"][0].numel()),
            }
            print(f"reference: {artifact['data']}: {json.dumps(fitted[artifact['data']])}", file=sys.stderr)
        rows.append({**artifact["identity"], **fitted[artifact["data"]]})
    write_rows(out, rows)
    return rows
