"""What the set-up (`make .venv/bin/.installed`) spends on byte-compiling, and what compiling on every core saves.

Two fresh virtualenvs in a scratch folder, one after the other in one run, each installing torch and the project
with its dev extra: pip as it comes (it byte-compiles every module it installs, on one core), and pip with
``--no-compile`` followed by ``python -m compileall -j 0`` (every core), as the Makefile does. Both end with every
module compiled, so a later process imports from ``.pyc`` files either way (some environments set
PYTHONDONTWRITEBYTECODE, where nothing compiled at set-up is ever compiled). The import time of the stack after
each set-up is printed as a check.

    python benchmarks/venv_setup.py [--torch torch==2.13.0]
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STACK = "import torch, pandas, matplotlib.pyplot, snakemake, scipy.stats, sklearn"


def set_up(venv: Path, torch: str, parallel: bool) -> float:
    """Seconds to create ``venv`` and install torch and the project into it, compiled one way or the other."""
    pip = [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check"]
    pip += ["--no-compile"] if parallel else []
    tic = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([*pip, torch], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[dev]"], check=True, cwd=ROOT)
    if parallel:
        subprocess.run([str(venv / "bin" / "python"), "-m", "compileall", "-qq", "-j", "0", str(venv / "lib")])
    return time.perf_counter() - tic


def import_seconds(venv: Path) -> float:
    tic = time.perf_counter()
    subprocess.run([str(venv / "bin" / "python"), "-c", STACK], check=True)
    return time.perf_counter() - tic


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--torch", default="torch==2.13.0")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        results = {}
        for name, parallel in (("pip compiles", False), ("compileall -j 0", True)):
            venv = Path(scratch) / name.replace(" ", "-")
            results[name] = set_up(venv, args.torch, parallel)
            print(f"{name}: set-up {results[name]:.1f} s, then the stack imports in {import_seconds(venv):.2f} s")
    base, fast = results["pip compiles"], results["compileall -j 0"]
    print(f"compileall on every core: {fast / base:.2f}x the set-up time ({base - fast:.0f} s less)")


if __name__ == "__main__":
    main()
