rule stats:
    input:
        rounds=ROUND_TABLES["rounds"],
        measured=ROUND_TABLES["measured_dim"],
    output:
        STATS_TABLES,
    params:
        stats=config["statistics"],
        labels=LABELS,
        out=output_dir,
    log:
        f"{LOGS}/stats.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=8000,
        runtime=30,
        gpu=0,
    shell:
        "prunability stats --rounds {input.rounds} --measured {input.measured} --out-dir {params.out} "
        "--tolerance {params.stats[tolerance]} --rollouts {params.stats[rollouts]} "
        "--samples {params.stats[samples]} --seed {params.stats[seed]} --label {params.labels} 2> {log}"
