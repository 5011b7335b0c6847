"""Model architectures and the registry that builds them from names such as ``mlp-256-128``."""
