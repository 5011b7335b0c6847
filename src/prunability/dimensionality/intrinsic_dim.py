"""Intrinsic-dimension estimators, to report a measured dimension beside the nominal one an experiment sets.

- Levina & Bickel (2005) maximum likelihood with k neighbours, averaged as MacKay & Ghahramani (2005) propose
  and as Pope et al. (2021) use for images: per point, the inverse estimate
  ``1/(k-1) * sum_{j=1}^{k-1} log(T_k / T_j)`` (normalised by k-1, which makes it an unbiased estimate of 1/m
  for a locally uniform density); these are averaged over points and the mean is inverted. Averaging inverses
  rather than the per-point estimates avoids the upward bias of ``1 / (a noisy small number)``.
- TwoNN (Facco et al. 2017): mu = r2 / r1 is Pareto distributed with exponent d, so -log(1 - F(mu)) = d log(mu);
  d is the least-squares slope through the origin over the empirical CDF, the largest ratios left out.

Inputs are any (N, ...) array, one sample per row, flattened and held as float64. Neighbours are searched with
``torch.cdist`` in float32 (twice as fast, and the matrix-product form is what makes 10,000 x 3,072 tractable)
a block of rows at a time, so memory stays bounded; the k distances found are then recomputed exactly in
float64 from the differences, so duplicate points get distance exactly 0 rather than rounding noise.
Duplicates make log-ratios undefined: TwoNN drops points with r1 = 0; the MLE leaves zero distances out of a
point's sum (see ``_mle_from_distances``).
"""

import numpy as np
import torch

SEARCH_BLOCK = 1 << 24  # distance-matrix entries per block of rows: 64 MB of float32
DISCARD_FRACTION = 0.1  # Facco et al.'s choice: the largest ratios come from sparse regions and bend the fit


def _as_points(x: torch.Tensor | np.ndarray) -> torch.Tensor:
    """(N, ...) samples as a centred float64 (N, D) tensor; centring is free and reduces cancellation in cdist."""
    points = torch.as_tensor(x).detach().cpu()
    points = points.reshape(len(points), -1).double()
    return points - points.mean(0)


def _check_neighbours(n: int, k: int) -> None:
    """The MLE needs at least one ratio T_k / T_j, and a point has only n - 1 others."""
    if not 2 <= k < n:
        raise ValueError(f"need 2 <= k < number of points, got k={k} with {n} points")


def _candidates(points: torch.Tensor, k: int) -> torch.Tensor:
    """Indices (N, k) of each point's k nearest other points, by float32 distances, a block of rows at a time."""
    search = points.float()
    rows = max(1, SEARCH_BLOCK // len(points))
    blocks = []
    for start in range(0, len(points), rows):
        dist = torch.cdist(search[start : start + rows], search)
        own = torch.arange(dist.shape[0])
        dist[own, own + start] = float("inf")  # a point is not its own neighbour (its duplicates are)
        blocks.append(dist.topk(k, dim=1, largest=False).indices)
    return torch.cat(blocks)


def knn_distances(x: torch.Tensor | np.ndarray, k: int) -> torch.Tensor:
    """Exact float64 distances (N, k) from each point to its k nearest other points, ascending."""
    points = _as_points(x)
    _check_neighbours(len(points), k)
    index = _candidates(points, k)
    rows = max(1, SEARCH_BLOCK // (k * points.shape[1]))
    blocks = [
        (points[start : start + rows, None] - points[index[start : start + rows]]).norm(dim=2)
        for start in range(0, len(points), rows)
    ]
    return torch.cat(blocks).sort(dim=1).values


def _mle_from_distances(dist: torch.Tensor) -> float:
    """Levina-Bickel MLE averaged by inverses, from ascending neighbour distances (N, k).

    Zero distances are left out of a point's sum and the sum is averaged over the terms kept: with z duplicates
    among its neighbours, a point then contributes exactly the k-1 normalised estimate with k - z distinct
    neighbours. A point with no positive T_j (j < k) carries no scale information and is dropped.
    """
    inner, outer = dist[:, :-1], dist[:, -1:]
    positive = inner > 0
    terms = torch.where(positive, torch.log(outer / inner.clamp_min(torch.finfo(inner.dtype).tiny)), 0.0)
    counts = positive.sum(1)
    kept = counts > 0
    if not kept.any():
        raise ValueError("every point's neighbours are duplicates of it; the MLE needs distinct neighbours")
    inverse = terms[kept].sum(1) / counts[kept]
    return float(1 / inverse.mean())


def _two_nn_from_distances(dist: torch.Tensor, discard_fraction: float) -> float:
    """TwoNN from each point's two nearest distances; points with r1 = 0 (duplicates) are dropped.

    A kept point whose two nearest neighbours are a duplicated pair has r2 / r1 = 1 exactly; with many
    duplicates these ties push the estimate up (about +10 % with 10 % of the points doubled), so deduplicate
    first when duplicates are common.

    The empirical CDF at the i-th smallest ratio is i/N as in Facco et al.; it reaches 1 at the largest, where
    -log(1 - F) is infinite, so at least that one ratio is always discarded.
    """
    distinct = dist[dist[:, 0] > 0]
    mu = (distinct[:, 1] / distinct[:, 0]).sort().values
    n = len(mu)
    keep = n - max(1, int(np.ceil(discard_fraction * n)))
    if keep < 2:
        raise ValueError(
            f"TwoNN needs more points with a distinct nearest neighbour: {n} have r1 > 0, {keep} left after "
            "discarding; deduplicate the points first (e.g. torch.unique(x.flatten(1), dim=0))"
        )
    cdf = torch.arange(1, keep + 1, dtype=torch.float64) / n
    log_mu, log_survival = torch.log(mu[:keep]), -torch.log1p(-cdf)
    return float((log_mu * log_survival).sum() / (log_mu * log_mu).sum())


def _check_fraction(discard_fraction: float) -> None:
    """Discarding everything would leave nothing to fit."""
    if not 0 <= discard_fraction < 1:
        raise ValueError(f"discard_fraction must be in [0, 1), got {discard_fraction}")


def mle_levina_bickel(x: torch.Tensor | np.ndarray, k: int = 20) -> float:
    """The Levina-Bickel MLE with ``k`` neighbours, MacKay-Ghahramani averaged:

    m = [ (1/N) sum_i (1/(k-1)) sum_{j=1}^{k-1} log(T_k(x_i) / T_j(x_i)) ]^{-1}.
    """
    return _mle_from_distances(knn_distances(x, k))


def two_nn(x: torch.Tensor | np.ndarray, discard_fraction: float = DISCARD_FRACTION) -> float:
    """Facco et al.'s TwoNN estimate, leaving out the largest ``discard_fraction`` of the ratios r2 / r1."""
    _check_fraction(discard_fraction)
    return _two_nn_from_distances(knn_distances(x, 2), discard_fraction)


def estimate_all(x: torch.Tensor | np.ndarray, k: int = 20) -> dict[str, float]:
    """Both estimates as one table row, from a single neighbour search (TwoNN uses its first two columns)."""
    dist = knn_distances(x, k)
    return {"mle": _mle_from_distances(dist), "twonn": _two_nn_from_distances(dist[:, :2], DISCARD_FRACTION)}
