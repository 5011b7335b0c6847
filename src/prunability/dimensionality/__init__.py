"""The dimensionality study: intrinsic-dimension estimates, matching statistics, its tables, figures and report."""
