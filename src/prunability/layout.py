"""Names of the files a round writes: standard library only, so that the workflow imports them cheaply."""

# What every IMP round writes into its directory (prunability.imp); round 0 also writes REWIND_FILE.
WEIGHTS_FILE = "weights.safetensors"
MASK_FILE = "mask.safetensors"
METRICS_FILE = "metrics.parquet"
TIMING_FILE = "timing.json"
ROUND_FILES = (WEIGHTS_FILE, MASK_FILE, METRICS_FILE, TIMING_FILE)
REWIND_FILE = "rewind.safetensors"
