"""One pending scheduler wake-up at a time, so that snakemake's controller does not take a core from the jobs.

Snakemake's scheduler (read in 9.27.1, the release installed here) ends every pass of its loop by starting a timer
that wakes it again after the rate limiter's timespan (``max-jobs-per-timespan``), whether or not a wake-up is
already pending. A finished job wakes it too, and that pass starts one more timer: while jobs wait for a core, every
finished job adds a chain of wake-ups that never ends (the repeated passes are discussed upstream in
snakemake/snakemake pull request 3744). Each pass stats every input of every ready job; in the replication preset
the controller's share of a core grew from 34 % to 67 % in 40 minutes beside two 1-thread training jobs, and to 23 %
in 18 minutes with a 5-s timespan alone (docs/performance.md). Here a wake-up starts only when none is pending, so
there is one chain at any time, and it is a daemon timer, so the run's end does not wait for it.

Where the installed snakemake has no such method (a release that changed its scheduler), nothing is patched.
"""

import threading

# The snakemake method that starts a wake-up timer (its own spelling).
METHOD = "_schedule_reevalutation"


def _one_pending(scheduler, delay: float) -> None:
    """Start a daemon wake-up after ``delay`` seconds unless one is pending; the timer clears the mark before it
    wakes the loop, so the pass it causes can start the next one."""
    if getattr(scheduler, "_prunability_wakeup_pending", False):
        return
    scheduler._prunability_wakeup_pending = True

    def wake() -> None:
        scheduler._prunability_wakeup_pending = False
        scheduler._open_jobs.release()

    timer = threading.Timer(delay, wake)
    timer.daemon = True
    timer.start()


def one_pending_wakeup() -> bool:
    """Make snakemake's scheduler keep one wake-up pending at most; whether its scheduler had the method to replace.
    Called by the Snakefile, before snakemake builds its scheduler."""
    try:
        from snakemake.scheduling.job_scheduler import JobScheduler
    except ImportError:
        return False
    if not hasattr(JobScheduler, METHOD):
        return False
    setattr(JobScheduler, METHOD, _one_pending)
    return True
