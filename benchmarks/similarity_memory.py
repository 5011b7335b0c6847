"""Peak memory of the activation-similarity step against the number of test images: streamed running sums
(what ``prunability similarity`` does) against holding every layer's activations of both networks at once.

Each measurement runs in a fresh process (peak resident memory, ru_maxrss) on random 32-px images:
  .venv/bin/python benchmarks/similarity_memory.py --model resnet20-16 --images 1000 4000 10000
"""

import argparse
import json
import subprocess
import sys

CHILD = """
import json, resource, sys, torch
from prunability.structure.similarity import layer_similarities, as_rows
from prunability.imp.masks import prunable_names
from prunability.models.registry import build_model
model, n, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
torch.set_num_threads(2)
a, b = (build_model(model, (3, 32, 32), 10, seed=s).eval() for s in (0, 1))
layers = prunable_names(a)
x = torch.randint(0, 256, (n, 3, 32, 32), dtype=torch.uint8)  # images are held as uint8, as in the data artifact
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if mode == "streamed":
    layer_similarities(a, {"baseline": b}, layers, x.float() / 255, batch_size=250)
else:
    kept = {0: [], 1: []}
    for i, net in enumerate((a, b)):
        mods = dict(net.named_modules())
        hooks = [mods[l.removesuffix(".weight")].register_forward_hook(
            lambda m, inp, out, i=i: kept[i].append(as_rows(out).double())) for l in layers]
        with torch.no_grad():
            for s in range(0, n, 250):
                net(x[s:s + 250].float() / 255)
        for h in hooks:
            h.remove()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"peak_mib": peak / 1024, "above_start_mib": (peak - base) / 1024}))
"""


def measure(model: str, images: int, mode: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, model, str(images), mode], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="resnet20-16")
    p.add_argument("--images", type=int, nargs="+", default=[1000, 4000, 10000])
    args = p.parse_args()
    print(f"{args.model}, random 32-px images; peak resident memory of the step above the loaded inputs (MiB)")
    print(f"{'images':>8} {'streamed':>10} {'held':>10}")
    for n in args.images:
        streamed, held = measure(args.model, n, "streamed"), measure(args.model, n, "held")
        print(f"{n:>8} {streamed['above_start_mib']:>10.0f} {held['above_start_mib']:>10.0f}")


if __name__ == "__main__":
    main()
