"""What the set-up (`make .venv/bin/.installed`) spends on byte-compiling modules that are never imported.

Two fresh virtualenvs in a scratch folder, one after the other in one run, each installing torch and the project
with its dev extra: pip as it comes (it byte-compiles every module it installs), and pip with ``--no-compile``
(as the Makefile does), where a module is compiled when first imported and cached beside it. For each, the set-up
time, then the time of a process importing the study's stack twice: the first import in the ``--no-compile``
virtualenv pays the compiling of what it imports, the second reads the cache. Bytecode writing is on in every
process here (the Makefile turns it on for its commands; some environments set PYTHONDONTWRITEBYTECODE).

    python benchmarks/venv_setup.py [--torch torch==2.13.0]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STACK = "import torch, pandas, matplotlib.pyplot, snakemake, scipy.stats, sklearn"
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(cmd: list[str], **kwargs) -> float:
    tic = time.perf_counter()
    subprocess.run(cmd, check=True, env=ENV, **kwargs)
    return time.perf_counter() - tic


def set_up(venv: Path, torch: str, compile_all: bool) -> float:
    """Seconds to create ``venv`` and install torch and the project into it."""
    pip = [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check"]
    pip += [] if compile_all else ["--no-compile"]
    return sum(
        (
            timed([sys.executable, "-m", "venv", str(venv)]),
            timed([*pip, torch]),
            timed([*pip, "-e", f"{ROOT}[dev]"], cwd=ROOT),
        )
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--torch", default="torch==2.13.0")
    args = p.parse_args()
    totals = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name, compile_all in (("pip compiles all", True), ("--no-compile", False)):
            venv = Path(scratch) / name.strip("-").replace(" ", "-")
            setup = set_up(venv, args.torch, compile_all)
            first, second = (timed([str(venv / "bin" / "python"), "-c", STACK]) for _ in range(2))
            totals[name] = setup + first
            print(f"{name}: set-up {setup:.1f} s; the stack imports in {first:.1f} s, then {second:.1f} s")
    base, lazy = totals["pip compiles all"], totals["--no-compile"]
    print(f"set-up and first import: --no-compile takes {lazy / base:.2f}x the time ({base - lazy:.0f} s less)")


if __name__ == "__main__":
    main()
