"""The IMP engine: one round of a run, the training loop, optimisers, masks, recipes, chains that stop."""
