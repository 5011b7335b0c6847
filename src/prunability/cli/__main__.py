"""``python -m prunability.cli``: the same command as ``prunability``."""

from prunability.cli import main

main()
