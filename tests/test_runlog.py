"""The closing lines of a run: where the results are, and the logs of the jobs that failed."""

from prunability.operations.runlog import failed_job_logs, failure_message, success_message

RULE_ERROR = """[Wed Nov 25 14:00:57 2026]
Error in rule dataset:
    message: SLURM-job '6' failed, SLURM status is: 'FAILED'.
    jobid: 5
    output: results/tiny/data/task/dim2/seed0.safetensors
    log: results/tiny/logs/data/task/dim2/seed0.log, /w/.snakemake/slurm_logs/rule_dataset/task_2_0/6.log \
(check log file(s) for error details)
    shell:
        prunability dataset --kind synthetic_linear
        (command exited with non-zero exit code)
    external_jobid: 6
Shutting down, this might take some time.
"""
GROUP_ERROR = """[Wed Nov 25 14:20:10 2026]
    message: Error in group imp
    log: /w/.snakemake/slurm_logs/group_imp_imp_dense_imp_prune/36.log (check log file(s) for error details)
    jobs:
        rule imp_prune:
            jobid: 10
            log: results/tiny/logs/imp/task/mlp-16-8/dim4/seed0/round_001.log (check log file(s) for error details)
    [Wed Nov 25 14:20:10 2026]
    Error in rule imp_prune:
        message: None
        log: results/tiny/logs/imp/task/mlp-16-8/dim4/seed0/round_001.log (check log file(s) for error details)
Trying to restart job 7fe3dcc4.
[Wed Nov 25 14:21:10 2026]
rule imp_prune:
    log: results/tiny/logs/imp/task/mlp-16-8/dim2/seed0/round_001.log
"""


def test_rule_error_names_the_rule_log_and_the_slurm_log():
    assert failed_job_logs(RULE_ERROR) == [
        "results/tiny/logs/data/task/dim2/seed0.log",
        "/w/.snakemake/slurm_logs/rule_dataset/task_2_0/6.log",
    ]


def test_group_error_names_each_log_once_and_not_those_of_later_jobs():
    assert failed_job_logs(GROUP_ERROR) == [
        "/w/.snakemake/slurm_logs/group_imp_imp_dense_imp_prune/36.log",
        "results/tiny/logs/imp/task/mlp-16-8/dim4/seed0/round_001.log",
    ]


def test_messages_point_to_report_tables_and_logs(tmp_path):
    done = success_message("quick")
    assert "results/quick/report.html" in done and "results/quick/tables/" in done and "make figures" in done
    log = tmp_path / "run.log"
    log.write_text(RULE_ERROR)
    failed = failure_message([str(log)])
    assert failed == failure_message(str(log))
    assert "results/tiny/logs/data/task/dim2/seed0.log" in failed and "slurm_logs/rule_dataset" in failed
    assert "snakemake's log" in failure_message(None)
