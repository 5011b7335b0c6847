"""Neuron zeroing, batched (prunability.structure.zeroing.zeroing_effects) against the literal Algorithm 2
(one evaluation of the whole network per neuron), side by side in one process.

Both run on the same seeded network in eval mode and the same random 32-px test images. The literal loop is
timed on a sample of neurons spread over every layer (it is the same cost for every neuron: one full forward
pass), the batched version on every neuron of the network; both are reported in neurons per second, and FLOP per
neuron is counted with torch's FlopCounterMode on a few images and scaled to the test-set size.

    python benchmarks/zeroing.py [--model resnet20-16] [--images 128] [--sample 2] [--threads 2]
"""

import argparse
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from prunability.imp.masks import PRUNABLE_LAYERS
from prunability.models.registry import build_model
from prunability.structure.zeroing import literal_zeroing, zeroing_effects


def _flops(fn) -> int:
    with FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops()


class _First(torch.nn.Module):
    """Stands for a layer in ``literal_zeroing``: exposes its weight and bias, cut to the first ``count`` rows.

    The slices are views, so zeroing a row of them zeroes the layer's own row and the network sees it.
    """

    def __init__(self, layer: torch.nn.Module, count: int) -> None:
        super().__init__()
        self.weight = layer.weight[:count]
        self.bias = None if layer.bias is None else layer.bias[:count]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="resnet20-16")
    p.add_argument("--images", type=int, default=128, help="test images")
    p.add_argument("--sample", type=int, default=2, help="neurons per layer timed with the literal loop")
    p.add_argument("--chunk", type=int, default=4, help="ablations sharing one forward pass")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    model = build_model(args.model, (3, 32, 32), 10, seed=0).eval()
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(args.images, 3, 32, 32, generator=gen), torch.randint(0, 10, (args.images,), generator=gen)
    layers = {n: m for n, m in model.named_modules() if isinstance(m, PRUNABLE_LAYERS)}
    neurons = sum(m.weight.shape[0] for m in layers.values())

    tic = time.perf_counter()
    zeroing_effects(model, layers, x, y, batch_size=args.images, chunk=args.chunk)
    batched_s = time.perf_counter() - tic

    sample = {name: _First(layer, min(args.sample, layer.weight.shape[0])) for name, layer in layers.items()}
    literal_count = sum(view.weight.shape[0] for view in sample.values())
    tic = time.perf_counter()
    literal_zeroing(model, sample, x, y, batch_size=args.images)
    literal_s = time.perf_counter() - tic

    few = 8
    scale = args.images / few
    batched_flop = _flops(lambda: zeroing_effects(model, layers, x[:few], y[:few], batch_size=few, chunk=args.chunk))
    full_pass_flop = _flops(lambda: model(x[:few]))
    print(f"{args.model}, {len(layers)} layers, {neurons} neurons, {args.images} test images, {args.threads} threads")
    print(f"  literal  {literal_count / literal_s:9.1f} neurons/s   {full_pass_flop * scale:.3g} FLOP per neuron")
    print(
        f"  batched  {neurons / batched_s:9.1f} neurons/s   {batched_flop * scale / neurons:.3g} FLOP per neuron "
        f"(the unablated forward once per batch included)"
    )
    speedup = (neurons / batched_s) / (literal_count / literal_s)
    print(f"  batched / literal: x{speedup:.1f} in neurons/s, x{full_pass_flop * neurons / batched_flop:.1f} in FLOP")


if __name__ == "__main__":
    main()
