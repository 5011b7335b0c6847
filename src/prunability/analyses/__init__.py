"""Analyses of the structure IMP leaves; they read round checkpoints and never retrain."""
