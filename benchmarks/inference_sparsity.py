"""Per-layer inference time of IMP-style sparse layers (CSR, prunability.structure.sparse_forms) against the
same layers dense, side by side in one process, for ResNet20-W16, VGG16 and RegNetX-200MF at 32 px.

A trained checkpoint is not at hand on every machine, so each network is built from its seed and pruned once by
global magnitude to ``--sparsity`` (default 90 %, about round 10 of IMP at 20 % a round); what the times depend
on is the number and layout of the non-zero weights, not their values. Each layer is timed on its real input (a
forward pass of random 32-px images), dense and sparse interleaved repeat by repeat, median kept; the ratio
dense / sparse > 1 means the sparse layer is faster. The whole network is timed dense, all-sparse and hybrid.

    python benchmarks/inference_sparsity.py [--models resnet20-16 vgg16-64 regnetx200mf-64] [--batch 1 256]
        [--sparsity 0.9] [--repeats 5] [--threads 2]
"""

import argparse

import torch

from prunability.imp.masks import PRUNABLE_LAYERS, global_magnitude_prune
from prunability.models.registry import build_model, display_name
from prunability.models.stages import ordered_stages
from prunability.structure.inference import layer_inputs, median_times, network_times
from prunability.structure.sparse_forms import layer_costs, sparse_form


def pruned(name: str, sparsity: float) -> torch.nn.Module:
    """``name`` at 32 px, its prunable weights cut to ``1 - sparsity`` of them by global magnitude."""
    model = build_model(name, (3, 32, 32), 10, seed=0).eval()
    weights = {n: p for n, p in model.named_parameters() if n.removesuffix(".weight") in _layers(model)}
    masks = global_magnitude_prune(weights, {n: torch.ones_like(p) for n, p in weights.items()}, sparsity)
    with torch.no_grad():
        for n, p in weights.items():
            p.mul_(masks[n])
    return model


def _layers(model: torch.nn.Module) -> dict[str, torch.nn.Module]:
    return {n: m for n, m in model.named_modules() if isinstance(m, PRUNABLE_LAYERS)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", nargs="+", default=["resnet20-16", "vgg16-64", "regnetx200mf-64"])
    p.add_argument("--batch", nargs="+", type=int, default=[1, 256])
    p.add_argument("--sparsity", type=float, default=0.9)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    print(
        f"torch {torch.__version__}, {args.threads} threads, CPU; ratio = dense time / sparse time (>1: sparse faster)"
    )
    for name in args.models:
        model = pruned(name, args.sparsity)
        layers = _layers(model)
        stages = ordered_stages(name, [f"{n}.weight" for n in layers])
        sparse = {n: sparse_form(m) for n, m in layers.items()}
        costs = layer_costs(model, layers, torch.randn(1, 3, 32, 32))
        for batch in args.batch:
            x = torch.randn(batch, 3, 32, 32)
            inputs = layer_inputs(model, layers, x)
            print(f"\n{display_name(name)}, batch {batch}, {100 * args.sparsity:.0f} % sparse")
            print(f"{'layer':28s} {'stage':10s} {'density':>8s} {'ideal':>7s} {'ratio':>7s}")
            faster = []
            for n, layer in layers.items():
                t = median_times({"dense": layer, "sparse": sparse[n]}, inputs[n], args.repeats, 2)
                c = costs[n]
                ratio = t["dense"] / t["sparse"]
                faster += [n] if ratio > 1 else []
                density = c["macs_nonzero"] / c["macs_dense"]
                ideal = 1 / density if density else float("inf")  # a fully pruned layer does no work at all
                print(f"{n:28s} {stages[n + '.weight']:10s} {density:8.3f} {ideal:7.1f} {ratio:7.2f}")
            net = network_times(model, layers, sparse, faster, x, args.repeats, 2)
            print(
                f"network: sparse {net['dense'] / net['sparse']:.2f}x, hybrid {net['dense'] / net['hybrid']:.2f}x dense"
            )


if __name__ == "__main__":
    main()
