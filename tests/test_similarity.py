"""Cosine and linear CKA, streamed batch by batch, against direct numpy computations."""

import numpy as np
import torch

from prunability.structure.similarity import Similarity, as_rows


def _direct_cka(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(0), b - b.mean(0)
    return float(np.linalg.norm(b.T @ a) ** 2 / (np.linalg.norm(a.T @ a) * np.linalg.norm(b.T @ b)))


def test_streamed_cosine_and_cka_equal_direct_computation():
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(200, 6, generator=gen)
    b = 0.7 * a @ torch.randn(6, 6, generator=gen) + torch.randn(200, 6, generator=gen) + 0.3
    sim = Similarity()
    for start in range(0, 200, 33):  # uneven batches
        sim.update(a[start : start + 33], b[start : start + 33])
    assert sim.rows == 200
    a_np, b_np = a.double().numpy(), b.double().numpy()
    assert np.isclose(sim.cka(), _direct_cka(a_np, b_np), rtol=1e-10)
    cos = (a_np * b_np).sum(0) / np.sqrt((a_np**2).sum(0) * (b_np**2).sum(0))
    np.testing.assert_allclose(sim.cosine().numpy(), cos, rtol=1e-10)


def test_cka_is_invariant_to_rotation_and_scale_and_cosine_is_not():
    gen = torch.Generator().manual_seed(1)
    a = torch.randn(300, 5, generator=gen)
    q, _ = torch.linalg.qr(torch.randn(5, 5, generator=gen))
    sim = Similarity()
    sim.update(a, 3.0 * a @ q)
    assert abs(sim.cka() - 1.0) < 1e-10
    assert not torch.allclose(sim.cosine(), torch.ones(5, dtype=torch.float64))
    ident = Similarity()
    ident.update(a, 2.0 * a)
    torch.testing.assert_close(ident.cosine(), torch.ones(5, dtype=torch.float64))


def test_conv_activations_become_position_rows():
    x = torch.arange(2 * 3 * 2 * 2, dtype=torch.float32).reshape(2, 3, 2, 2)  # N, C, H, W
    rows = as_rows(x)
    assert rows.shape == (8, 3)
    assert torch.equal(rows[:, 1], x[:, 1].reshape(-1))  # column c holds channel c at every position


def test_memory_does_not_grow_with_the_number_of_images():
    sim = Similarity()
    sim.update(torch.randn(64, 8, 4, 4), torch.randn(64, 8, 4, 4))
    size = {k: v.numel() for k, v in sim.sums.items()}
    for _ in range(20):
        sim.update(torch.randn(64, 8, 4, 4), torch.randn(64, 8, 4, 4))
    assert {k: v.numel() for k, v in sim.sums.items()} == size and sim.rows == 21 * 64 * 16


def test_layer_similarities_of_two_networks_equal_a_direct_computation():
    from prunability.models.registry import build_model
    from prunability.structure.similarity import layer_similarities, similarity_rows

    x = torch.randn(50, 3, 8, 8, generator=torch.Generator().manual_seed(2))
    current, reference = (build_model("resnet20-2", (3, 8, 8), 4, seed=s).eval() for s in (0, 1))
    layers = ["conv.weight", "blocks.4.conv2.weight", "fc.weight"]
    sims = layer_similarities(current, {"baseline": reference}, layers, x, batch_size=16)
    rows = similarity_rows(sims, {"conv.weight": "stem", "blocks.4.conv2.weight": "stage3", "fc.weight": "c"}, {})
    for layer in layers:
        outputs = []
        for net in (reference, current):
            module = dict(net.named_modules())[layer.removesuffix(".weight")]
            kept = []
            handle = module.register_forward_hook(lambda m, i, o, kept=kept: kept.append(o))
            with torch.no_grad():
                net(x)
            handle.remove()
            outputs.append(as_rows(kept[0]).double().numpy())
        a, b = outputs
        mine = [r for r in rows if r["layer"] == layer]
        cos = (a * b).sum(0) / np.sqrt((a**2).sum(0) * (b**2).sum(0))
        np.testing.assert_allclose([r["cosine"] for r in mine], cos, rtol=1e-9)
        assert np.isclose(mine[0]["cka"], _direct_cka(a, b), rtol=1e-9) and len(mine) == a.shape[1]
