"""User-facing errors, importable without torch so every CLI step can catch them cheaply."""


class ArtifactError(RuntimeError):
    """A required artifact is missing or unreadable; the message names the file."""


class ConfigError(ValueError):
    """The config is invalid; the message lists every problem by key."""


class RecoveryError(RuntimeError):
    """Recovering a crashed study cannot go on safely; the message says what is in the way."""


class SharedRoundError(RuntimeError):
    """Some runs of a shared round job failed (prunability.imp.shared_rounds); the message names each."""
