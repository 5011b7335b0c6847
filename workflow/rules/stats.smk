rule stats:
    input:
        rounds=ROUND_TABLES["rounds"],
        measured=ROUND_TABLES["measured_dim"],
    output:
        STATS_TABLES,
    params:
        stats=config["statistics"],
        criteria=" ".join(config["statistics"]["criteria"]),
        labels=LABELS,
        stop=STOP_RULES,
        fraction=config["imp"]["prune_fraction"],
        out=output_dir,
    log:
        job_log("stats"),
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=8000,
        runtime=30,
        gpu=0,
    shell:
        "prunability stats --rounds {input.rounds} --measured {input.measured} --out-dir {params.out} "
        "--criteria {params.criteria} --tolerance {params.stats[tolerance]} --z {params.stats[z]} "
        "--first-failure-of {params.stats[first_failure_of]} --rollouts {params.stats[rollouts]} "
        "--samples {params.stats[samples]} --seed {params.stats[seed]} --label {params.labels} --stop {params.stop:q} "
        "--resamples {params.stats[resamples]} --resample-rollouts {params.stats[resample_rollouts]} "
        "--ddof {params.stats[std_ddof]} --prune-fraction {params.fraction} 2> {log}"
