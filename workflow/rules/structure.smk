# The structure analyses of schedules experiments, from round checkpoints only (never retraining).
# Per run: weights, stage and neuron sparsity (cheap). Per round of the analysed schedule: neuron zeroing and
# activation similarity (costly; similarity of round s reads rounds 0, s-1 and s).
rule structure_run:
    input:
        rounds_of_run,
    output:
        [f"{ANALYSES}/{name}" for name in RUN_TABLES],
    params:
        run=lambda w: RUN.format(**w),
        rounds=lambda w: run_of(w).rounds,  # a change of the cap reruns the job
        out=output_dir,
        **ANALYSIS_PARAMS,
    log:
        job_log(f"{ANALYSIS_LOGS}/structure"),
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
        gpu=0,
    shell:
        "prunability structure --run {params.run} --rounds {params.rounds} --model {wildcards.model} "
        "--identity {params.identity:q} "
        "--bins {params.settings[bins]} --out-dir {params.out} 2> {log}"


# A per-round analysis (prunability.structure.registry): one job per analysed round.
rule zeroing:
    input:
        unpack(per_round_inputs("zeroing")),
    output:
        per_round_output("zeroing"),
    params:
        analysis="zeroing",
        **PER_ROUND_PARAMS,
    log:
        per_round_log("zeroing"),
    conda:
        ENV
    threads: config["threads"]
    resources:
        mem_mb=8000,
        runtime=60,
        gpu=0,
    shell:
        PER_ROUND_SHELL


rule similarity:
    input:
        unpack(per_round_inputs("similarity")),
    output:
        per_round_output("similarity"),
    params:
        analysis="similarity",
        **PER_ROUND_PARAMS,
    log:
        per_round_log("similarity"),
    conda:
        ENV
    threads: config["threads"]
    resources:
        mem_mb=8000,
        runtime=60,
        gpu=0,
    shell:
        PER_ROUND_SHELL


rule inference:
    input:
        unpack(per_round_inputs("inference")),
    output:
        per_round_output("inference"),
    params:
        analysis="inference",
        **PER_ROUND_PARAMS,
    log:
        per_round_log("inference"),
    conda:
        ENV
    threads: config["threads"]
    resources:
        mem_mb=8000,
        runtime=60,
        gpu=0,
    shell:
        PER_ROUND_SHELL


rule structure_tables:
    input:
        metrics=all_round_files(METRICS_FILE, STRUCTURE_RUNS),
        runs=RUN_ANALYSES,
        per_round=PER_ROUND_OUTPUTS,
    output:
        **STRUCTURE_TABLES,
    params:
        runs=[analyses_dir(run) for run in STRUCTURE_RUNS],
        out=lambda w, output: os.path.dirname(output.accuracy),
        tolerance=" ".join(
            f"{e}={x['analysis']['critical_tolerance']}" for e, x in config["experiments"].items() if is_structure(x)
        ),
    log:
        job_log("structure_tables"),
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=8000,
        runtime=30,
        gpu=0,
    shell:
        "prunability structure-tables --metrics {input.metrics} --runs {params.runs} --per-round {input.per_round} "
        "--tolerance {params.tolerance} --out-dir {params.out} 2> {log}"


rule structure_figures:
    input:
        **STRUCTURE_TABLES,
    output:
        [report(f, category="Structure") if f.endswith(".png") else f for f in STRUCTURE_FIGURES],
    params:
        tables=lambda w, input: os.path.dirname(input.accuracy),
        out=lambda w, output: os.path.dirname(output[0]),
    log:
        job_log("structure_figures"),
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
        gpu=0,
    shell:
        "prunability structure-figures --tables {params.tables} --out-dir {params.out} 2> {log}"
