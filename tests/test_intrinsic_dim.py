"""The estimators recover the dimension of manifolds whose dimension is known by construction.

Tolerances are relative to the true dimension d and were chosen from what the estimators are known to do at
2,000 points, not from this implementation's outputs: both are close to exact at low d and underestimate as d
grows, because neighbourhoods are not small at finite N and a bounded support (the cube) adds boundary bias.
"""

import math

import numpy as np
import pytest
import torch

from prunability.dimensionality import intrinsic_dim
from prunability.dimensionality.intrinsic_dim import estimate_all, knn_distances, mle_levina_bickel, two_nn
from prunability.seeding import generator

N = 2000
EXTRINSIC = 50


def _embed(z: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """z (N, d) mapped isometrically into a random d-dimensional subspace of R^50."""
    basis = torch.linalg.qr(torch.randn(EXTRINSIC, z.shape[1], generator=g, dtype=torch.float64)).Q
    return z @ basis.T


def _gaussian_subspace(d: int, n: int = N) -> torch.Tensor:
    g = generator(0, "gaussian-subspace", d)
    return _embed(torch.randn(n, d, generator=g, dtype=torch.float64), g)


def _cube_subspace(d: int) -> torch.Tensor:
    g = generator(0, "cube-subspace", d)
    return _embed(torch.rand(N, d, generator=g, dtype=torch.float64), g)


@pytest.mark.parametrize("d", [2, 5, 10])
def test_gaussian_in_a_random_subspace_gives_its_dimension(d: int) -> None:
    """Within 15 % for d <= 10: a Gaussian has no boundary, so only the finite-N bias remains."""
    for name, value in estimate_all(_gaussian_subspace(d)).items():
        assert value == pytest.approx(d, rel=0.15), name


@pytest.mark.parametrize("d", [2, 5])
def test_uniform_cube_in_a_random_subspace_gives_its_dimension(d: int) -> None:
    """Within 15 % while the cube's faces are a small share of each neighbourhood."""
    for name, value in estimate_all(_cube_subspace(d)).items():
        assert value == pytest.approx(d, rel=0.15), name


def test_ten_dimensional_cube_is_underestimated_but_not_grossly() -> None:
    """At d = 10 most of 2,000 points sit near a face, so both estimates fall below d; they stay above 75 %."""
    for name, value in estimate_all(_cube_subspace(10)).items():
        assert 0.75 * 10 < value < 10, name


def test_a_helix_in_three_dimensions_is_one_dimensional() -> None:
    """Within 10 %: the curvature radius is large against the k-neighbour radius, so the curve looks straight."""
    t = torch.rand(N, generator=generator(0, "helix"), dtype=torch.float64) * 6 * math.pi
    helix = torch.stack([torch.cos(t), torch.sin(t), 0.1 * t], dim=1)
    for name, value in estimate_all(helix).items():
        assert value == pytest.approx(1, rel=0.1), name


def test_an_isotropic_gaussian_in_eight_dimensions_is_about_eight() -> None:
    """Within 12 % and not above: at d = 8 the known downward bias is already several per cent."""
    x = torch.randn(N, 8, generator=generator(0, "isotropic"), dtype=torch.float64)
    for name, value in estimate_all(x).items():
        assert 8 * 0.88 < value < 8 * 1.05, name


def test_nearest_neighbour_upsampling_leaves_the_mle_nearly_unchanged() -> None:
    """Repeating every pixel 2x2 multiplies all distances by 2, which the distance ratios do not see."""
    g = generator(0, "patterns")
    patterns = torch.randn(6, 8, 8, generator=g, dtype=torch.float64)
    images = torch.einsum("nd,dhw->nhw", torch.randn(1500, 6, generator=g, dtype=torch.float64), patterns)
    images = images.unsqueeze(1)  # (N, 1, 8, 8): the estimators flatten any (N, ...) input
    upsampled = images.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)
    small, big = mle_levina_bickel(images), mle_levina_bickel(upsampled)
    assert small == pytest.approx(6, rel=0.15)
    assert big == pytest.approx(small, rel=0.1)


def test_neighbours_match_brute_force_and_exclude_the_point_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tiny search block forces many row blocks; the result must equal a full pairwise computation."""
    x = _gaussian_subspace(3, n=300)
    pairwise = (x[:, None] - x[None]).norm(dim=2)
    pairwise.fill_diagonal_(math.inf)
    expected = pairwise.sort(dim=1).values[:, :5]
    monkeypatch.setattr(intrinsic_dim, "SEARCH_BLOCK", 1000)
    assert torch.allclose(knn_distances(x, 5), expected, rtol=1e-12, atol=0)


def test_numpy_and_torch_inputs_agree() -> None:
    x = _gaussian_subspace(4, n=500)
    assert estimate_all(x.numpy()) == estimate_all(x)


def test_doubling_every_point_halves_the_effective_neighbourhood_of_the_mle() -> None:
    """With every point twice, a point's k = 2m neighbours are its twin and m - 1 distinct points twice, then
    the m-th: leaving the zero distance out must give exactly the k = m estimate of the undoubled set."""
    x = _gaussian_subspace(4, n=500)
    assert mle_levina_bickel(torch.cat([x, x]), k=20) == pytest.approx(mle_levina_bickel(x, k=10), rel=1e-9)


def test_a_few_duplicates_give_finite_nearly_unchanged_estimates() -> None:
    """10 % of the points twice. The MLE stays within 10 %. TwoNN drops the 200 points with r1 = 0, but a point
    whose two nearest neighbours are such a pair gets r2 / r1 = 1 exactly, which inflates the empirical CDF of
    the rest and so the slope; 20 % allows for that known drift of the r1 = 0 rule."""
    x = _gaussian_subspace(4, n=1000)
    clean, duplicated = estimate_all(x), estimate_all(torch.cat([x, x[:100]]))
    assert all(math.isfinite(value) for value in duplicated.values())
    assert duplicated["mle"] == pytest.approx(clean["mle"], rel=0.1)
    assert duplicated["twonn"] == pytest.approx(clean["twonn"], rel=0.2)


def test_two_nn_refuses_a_set_without_distinct_nearest_neighbours() -> None:
    x = _gaussian_subspace(2, n=50)
    with pytest.raises(ValueError, match="deduplicate"):
        two_nn(torch.cat([x, x]))


@pytest.mark.parametrize("k", [1, 50])
def test_mle_rejects_a_neighbour_count_outside_two_to_n_minus_one(k: int) -> None:
    with pytest.raises(ValueError, match="2 <= k"):
        mle_levina_bickel(np.zeros((50, 3)), k=k)


def test_two_nn_rejects_a_discard_fraction_outside_zero_to_one() -> None:
    with pytest.raises(ValueError, match="discard_fraction"):
        two_nn(_gaussian_subspace(2, n=50), discard_fraction=1.0)
