"""Per-layer inference time of IMP-style sparse layers (CSR, prunability.structure.sparse_forms) against the
same layers dense, side by side in one process, for ResNet20-W16, VGG16 and RegNetX-200MF at 32 px.

Given ``--round-dir`` (a round of a run of the one model in ``--models``, e.g. round_010 of the structure preset,
about 89 % sparse), the network is that checkpoint. Otherwise, since a trained checkpoint is not at hand on every
machine, each network is built from its seed and pruned once by global magnitude to ``--sparsity`` (default 90 %):
what the times depend on is the number and layout of the non-zero weights, not their values, though one-shot pruning
of an untrained network spreads them over the layers otherwise than IMP does. Each layer is timed on its real input
(a forward pass of random 32-px images), dense and sparse interleaved repeat by repeat, median kept; the ratio dense
/ sparse > 1 means the sparse layer is faster. The whole network is timed dense, all-sparse and hybrid.

    python benchmarks/inference_sparsity.py [--models resnet20-16 vgg16-64 regnetx200mf-64] [--batch 1 256]
        [--sparsity 0.9] [--repeats 5] [--threads 2] [--round-dir results/<study>/runs/.../round_010]
        [--channels 3] [--classes 10]
"""

import argparse
from pathlib import Path

import torch

from prunability.imp.masks import PRUNABLE_LAYERS, global_magnitude_prune
from prunability.models.names import display_name
from prunability.models.registry import build_model
from prunability.models.stages import ordered_stages
from prunability.structure.inference import layer_inputs, median_times, network_times
from prunability.structure.loading import load_round
from prunability.structure.sparse_forms import layer_costs, sparse_form


def pruned(name: str, args: argparse.Namespace) -> torch.nn.Module:
    """``name`` at 32 px, its prunable weights cut to ``1 - args.sparsity`` of them by global magnitude."""
    model = build_model(name, (args.channels, 32, 32), args.classes, seed=0).eval()
    weights = {n: p for n, p in model.named_parameters() if n.removesuffix(".weight") in _layers(model)}
    masks = global_magnitude_prune(weights, {n: torch.ones_like(p) for n, p in weights.items()}, args.sparsity)
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
    p.add_argument("--round-dir", type=Path, help="a pruned round of the one model given")
    p.add_argument("--channels", type=int, default=3, help="input channels (1 for the digits substitute)")
    p.add_argument("--classes", type=int, default=10)
    args = p.parse_args()
    if args.round_dir and len(args.models) != 1:
        p.error("--round-dir takes exactly one model in --models")
    torch.set_num_threads(args.threads)
    print(
        f"torch {torch.__version__}, {args.threads} threads, CPU; ratio = dense time / sparse time (>1: sparse faster)"
    )
    for name in args.models:
        shape = (args.channels, 32, 32)
        model = load_round(args.round_dir, name, shape, args.classes) if args.round_dir else pruned(name, args)
        layers = _layers(model)
        stages = ordered_stages(name, [f"{n}.weight" for n in layers])
        sparse = {n: sparse_form(m) for n, m in layers.items()}
        costs = layer_costs(model, layers, torch.randn(1, *shape))
        for batch in args.batch:
            x = torch.randn(batch, *shape)
            inputs = layer_inputs(model, layers, x)
            weights = [m.weight for m in layers.values()]
            sparsity = 1 - sum(int(w.count_nonzero()) for w in weights) / sum(w.numel() for w in weights)
            print(f"\n{display_name(name)}, batch {batch}, {100 * sparsity:.1f} % sparse")
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
