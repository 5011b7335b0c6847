rule tables:
    input:
        metrics=all_round_files(METRICS_FILE),
        timing=all_round_files(TIMING_FILE),
        measured=all_measured(),
    output:
        **ROUND_TABLES,
    log:
        job_log("tables"),
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
        gpu=0,
    shell:
        "prunability tables --metrics {input.metrics} --timing {input.timing} "
        "--measured {input.measured} --rounds {output.rounds} --timing-out {output.timing} "
        "--measured-out {output.measured_dim} 2> {log}"


rule fingerprint:
    input:
        all_round_files(TIMING_FILE, list(RUNS.values())),
    output:
        FINGERPRINT_TABLE,
    log:
        job_log("fingerprint"),
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
        gpu=0,
    shell:
        "prunability fingerprint --timing {input} --out {output} 2> {log}"


# Each cell's dense accuracy against its data's reference learner, flagged (prunability.yardstick).
rule yardstick:
    input:
        accuracy=ACCURACY_TABLES,
        reference=REFERENCES,
    output:
        **YARDSTICK_TABLES,
    params:
        tolerance=config["statistics"]["reference_tolerance"],
        ceiling=config["statistics"]["ceiling"],
        published=PUBLISHED,
        margin=config["statistics"]["published_margin"],
    log:
        job_log("yardstick"),
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
        gpu=0,
    shell:
        "prunability yardstick --accuracy {input.accuracy} --reference {input.reference} "
        "--reference-out {output.reference} --adequacy-out {output.adequacy} --tolerance {params.tolerance} "
        "--ceiling {params.ceiling} --published {params.published:q} --published-margin {params.margin} 2> {log}"
