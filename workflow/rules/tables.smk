rule tables:
    input:
        metrics=all_round_files("metrics.parquet"),
        timing=all_round_files("timing.json"),
    output:
        **ROUND_TABLES,
    log:
        f"{LOGS}/tables.log",
    conda:
        ENV
    resources:
        mem_mb=4000,
        runtime=30,
    shell:
        "prunability tables --metrics {input.metrics} --timing {input.timing} "
        "--rounds {output.rounds} --timing-out {output.timing} 2> {log}"
