"""The scheduler keeps one wake-up pending at most, and its wake-ups do not hold the run's end."""

import threading
import time

import pytest

from prunability.operations import wakeups


class Loop:
    """What the patched method touches of snakemake's scheduler: the semaphore its loop waits on."""

    def __init__(self) -> None:
        self._open_jobs = threading.Semaphore(0)

    def passes(self) -> int:
        """How many passes the wake-ups so far would start (the semaphore's count), consuming them."""
        count = 0
        while self._open_jobs.acquire(blocking=False):
            count += 1
        return count


def test_many_requests_while_one_is_pending_wake_the_loop_once():
    loop = Loop()
    for _ in range(5):  # five passes of the loop (a finished job's among them) each ask for a wake-up
        wakeups._one_pending(loop, 0.05)
    assert loop._open_jobs.acquire(timeout=5)  # the one wake-up, however late a loaded machine fires it
    time.sleep(0.3)  # five timers would have fired together with it
    assert loop.passes() == 0


def test_the_pass_a_wake_up_causes_can_start_the_next_one():
    loop = Loop()
    wakeups._one_pending(loop, 0.02)
    assert loop._open_jobs.acquire(timeout=2)
    wakeups._one_pending(loop, 0.02)  # the pass that woke asks again: the chain goes on
    assert loop._open_jobs.acquire(timeout=2)


def test_wake_ups_are_daemon_timers(monkeypatch):
    started: list[threading.Timer] = []
    monkeypatch.setattr(threading.Timer, "start", lambda self: started.append(self))
    wakeups._one_pending(Loop(), 5.0)
    assert len(started) == 1 and started[0].daemon


def test_the_installed_snakemake_scheduler_is_patched(monkeypatch):
    """Where the installed snakemake has the method, the Snakefile's call replaces it (and says so)."""
    job_scheduler = pytest.importorskip("snakemake.scheduling.job_scheduler")
    if not hasattr(job_scheduler.JobScheduler, wakeups.METHOD):
        pytest.skip("this snakemake release starts its wake-ups elsewhere; nothing to patch")
    monkeypatch.setattr(job_scheduler.JobScheduler, wakeups.METHOD, getattr(job_scheduler.JobScheduler, wakeups.METHOD))
    assert wakeups.one_pending_wakeup()
    assert getattr(job_scheduler.JobScheduler, wakeups.METHOD) is wakeups._one_pending
