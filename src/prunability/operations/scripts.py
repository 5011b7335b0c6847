"""Where the rules' shell commands find ``prunability``."""

import os
import sys


def put_on_path() -> None:
    """Put the scripts beside the running interpreter first on PATH, for the shell commands of the rules.

    Rules call ``prunability``; with this, a study starts the same from ``make``, from ``.venv/bin/snakemake``
    without an activated environment, and inside a cluster job (which runs the same interpreter).
    """
    scripts = os.path.dirname(sys.executable)
    os.environ["PATH"] = os.pathsep.join([scripts, os.environ.get("PATH", "")])
