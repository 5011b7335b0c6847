"""The structure study: analyses of the rounds IMP leaves, read from their checkpoints and never retrained."""
