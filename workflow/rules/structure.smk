# The structure analyses of schedules experiments, from round checkpoints only (never retraining).
# Per run: weights, stage and neuron sparsity (cheap). Per round of the analysed schedule: neuron zeroing and
# activation similarity (costly; similarity of round s reads rounds 0, s-1 and s).
rule structure_run:
    input:
        rounds_of_run,
    output:
        [f"{ANALYSES}/{name}.parquet" for name in RUN_TABLES],
    params:
        run=lambda w: RUN.format(**w),
        out=output_dir,
        **ANALYSIS_PARAMS,
    log:
        f"{ANALYSIS_LOGS}/structure.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
        gpu=0,
    shell:
        "prunability structure --run {params.run} --model {wildcards.model} --identity {params.identity:q} "
        "--bins {params.settings[bins]} --out-dir {params.out} 2> {log}"


rule zeroing:
    input:
        data=data_of,
        weights=round_weights,
    output:
        f"{ANALYSES}/round_{{ar}}/zeroing.parquet",
    params:
        round_dir=lambda w, input: os.path.dirname(input.weights),
        **ANALYSIS_PARAMS,
    log:
        f"{ANALYSIS_LOGS}/round_{{ar}}/zeroing.log",
    conda:
        ENV
    threads: config["threads"]
    resources:
        mem_mb=8000,
        runtime=60,
        gpu=0,
    shell:
        "prunability --numerics {params.numerics} zeroing --round-dir {params.round_dir} --data {input.data} {params.side} "
        "--model {wildcards.model} --identity {params.identity:q} --batch-size {params.settings[batch_size]} "
        "--chunk {params.settings[chunk]} --device {params.device} --threads {params.threads} --out {output} 2> {log}"


rule similarity:
    input:
        data=data_of,
        baseline=lambda w: round_weights(w, int(w.ar)),
        previous=lambda w: round_weights(w, 1),
        current=round_weights,
    output:
        f"{ANALYSES}/round_{{ar}}/similarity.parquet",
    params:
        **ANALYSIS_PARAMS,
    log:
        f"{ANALYSIS_LOGS}/round_{{ar}}/similarity.log",
    conda:
        ENV
    threads: config["threads"]
    resources:
        mem_mb=8000,
        runtime=60,
        gpu=0,
    shell:
        "prunability --numerics {params.numerics} similarity --baseline {input.baseline} --previous {input.previous} --current {input.current} "
        "--data {input.data} {params.side} --model {wildcards.model} --identity {params.identity:q} "
        "--batch-size {params.settings[batch_size]} --device {params.device} --threads {params.threads} "
        "--out {output} 2> {log}"


rule structure_tables:
    input:
        metrics=all_round_files(METRICS_FILE, STRUCTURE_RUNS),
        runs=RUN_ANALYSES,
        zeroing=per_round_outputs("zeroing.parquet"),
        similarity=per_round_outputs("similarity.parquet", first=1),
    output:
        **STRUCTURE_TABLES,
    params:
        runs=[f"{STUDY}/analyses/{run.path}" for run in STRUCTURE_RUNS],
        out=lambda w, output: os.path.dirname(output.accuracy),
        tolerance=" ".join(
            f"{e}={x['analysis']['critical_tolerance']}" for e, x in config["experiments"].items() if is_structure(x)
        ),
    log:
        f"{LOGS}/structure_tables.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=8000,
        runtime=30,
        gpu=0,
    shell:
        "prunability structure-tables --metrics {input.metrics} --runs {params.runs} --zeroing {input.zeroing} "
        "--similarity {input.similarity} --tolerance {params.tolerance} --out-dir {params.out} 2> {log}"


rule structure_figures:
    input:
        **STRUCTURE_TABLES,
    output:
        [report(f, category="Structure") if f.endswith(".png") else f for f in STRUCTURE_FIGURES],
    params:
        tables=lambda w, input: os.path.dirname(input.accuracy),
        out=lambda w, output: os.path.dirname(output[0]),
    log:
        f"{LOGS}/structure_figures.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
        gpu=0,
    shell:
        "prunability structure-figures --tables {params.tables} --out-dir {params.out} 2> {log}"
