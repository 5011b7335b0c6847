"""``python -m prunability``: the same command as the ``prunability`` script."""

from prunability.cli import main

main()
