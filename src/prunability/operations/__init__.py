"""Operating a study: recovery after a crashed controller, the end-of-run messages."""
