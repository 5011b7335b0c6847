rule draw_figures:
    input:
        rounds=ROUND_TABLES["rounds"],
        correlation=f"{TABLE_DIR}/{layout.CORRELATION_TABLE}",
        sensitivity=f"{TABLE_DIR}/{layout.SENSITIVITY_TABLE}",
        reference=YARDSTICK_TABLES["reference"],
        summary=f"{TABLE_DIR}/{layout.CORRELATION_SUMMARY_TABLE}",
    output:
        accuracy=[
            report(
                f"{stem}.png", caption="../report/accuracy.rst", category="Accuracy vs weights remaining"
            )
            for stem in ACCURACY_FIGURES
        ],
        correlation=report(
            f"{CORRELATION_FIGURE}.png", caption="../report/correlation.rst", category="Correlation"
        ),
        sensitivity=report(
            f"{SENSITIVITY_FIGURE}.png", caption="../report/sensitivity.rst", category="Matching criteria"
        ),
        pdf=[f for f in DIMENSION_FIGURES if f.endswith(".pdf")],
    params:
        labels=LABELS,
        out=output_dir,
    log:
        job_log("figures"),
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
        gpu=0,
    shell:
        "prunability figures --rounds {input.rounds} --correlation {input.correlation} "
        "--sensitivity {input.sensitivity} --reference {input.reference} "
        "--correlation-summary {input.summary} "
        "--out-dir {params.out} --label {params.labels} 2> {log}"


rule html_report:
    input:
        figures=FIGURES,
        tables=TABLES,
    output:
        REPORT,
    params:
        labels=LABELS,
        study=config["study"],
        tables=lambda w, input: os.path.dirname(input.tables[0]),
        figures=lambda w, input: os.path.dirname(input.figures[0]),
        captions=CAPTIONS,
    log:
        job_log("report"),
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
        gpu=0,
    shell:
        "prunability report --study {params.study} --tables {params.tables} --figures {params.figures} "
        "--captions {params.captions} --label {params.labels} --out {output} 2> {log}"
