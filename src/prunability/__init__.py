"""prunability: what makes a neural network prunable, studied with IMP and weight rewinding."""

__version__ = "0.1.0"
