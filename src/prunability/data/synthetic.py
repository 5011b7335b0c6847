"""The synthetic linear task of the task-dimensionality experiment.

z ~ N(0, I_d); x = A z with A in R^{D x d}, entries U(-1, 1); a normal h in R^d with entries U(-1, 1) keeps
t randomly chosen components and zeroes the rest; the label is y = [h^T z > 0]. The intrinsic dimension is d,
the extrinsic D, the task dimension t.

For one seed, A, z, h and the order in which components are kept are shared by every t: the kept sets are
nested (the first t of one seeded permutation), so datasets of one seed differ in the task dimension alone.
"""

import torch

from prunability.seeding import generator


def linear_task(
    task_dim: int, intrinsic_dim: int, extrinsic_dim: int, n_train: int, n_test: int, seed: int
) -> dict[str, torch.Tensor]:
    """Return train/test inputs and labels plus the generating A, h and kept components."""
    if not 1 <= task_dim <= intrinsic_dim <= extrinsic_dim:
        raise ValueError(
            f"need 1 <= task dimension ({task_dim}) <= intrinsic ({intrinsic_dim}) <= extrinsic ({extrinsic_dim})"
        )
    g = generator(seed, "linear-task")
    a = torch.rand(extrinsic_dim, intrinsic_dim, generator=g) * 2 - 1
    h_full = torch.rand(intrinsic_dim, generator=g) * 2 - 1
    order = torch.randperm(intrinsic_dim, generator=g)
    z = torch.randn(n_train + n_test, intrinsic_dim, generator=g)
    kept = order[:task_dim].sort().values
    h = torch.zeros(intrinsic_dim)
    h[kept] = h_full[kept]
    x = z @ a.T
    y = (z @ h > 0).long()
    return {
        "x_train": x[:n_train],
        "y_train": y[:n_train],
        "x_test": x[n_train:],
        "y_test": y[n_train:],
        "z_train": z[:n_train],
        "z_test": z[n_train:],
        "A": a,
        "h": h,
        "kept": kept,
    }
