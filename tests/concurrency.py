"""Racing two requests or service calls on PostgreSQL, each in its own thread and connection.

A `Rendezvous` holds the first racer inside its transaction, right after it has read the state it
decides on, until the other racer has caught up or is blocked on a row lock. Without the locks
both would decide on the same stale state; with them the second waits and sees the first's result.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.db import connection

from projects import audit

TIMEOUT = 10


def other_backend_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        # Activity statistics are a snapshot per transaction; the caller is inside one.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0] > 0


def wait_until(condition: Callable[[], bool], failure: str) -> None:
    """Poll `condition`; returns as soon as it holds (no fixed sleep), fails after TIMEOUT."""
    deadline = time.monotonic() + TIMEOUT
    idle = threading.Event()
    while not condition():
        assert time.monotonic() < deadline, failure
        idle.wait(0.005)


class Rendezvous:
    """The first to arrive waits until the second arrives too, or is stuck on a lock the first holds."""

    def __init__(self, parties: int = 2):
        self.parties = parties
        self.arrived = 0
        self.all_here = threading.Event()
        self.mutex = threading.Lock()

    def wait(self) -> None:
        with self.mutex:
            self.arrived += 1
            if self.arrived >= self.parties:
                self.all_here.set()
        wait_until(
            lambda: self.all_here.is_set() or other_backend_waits_for_a_lock(),
            "the other racer neither arrived nor waited for a lock",
        )


def pause_after(monkeypatch, module, name: str, rendezvous: Rendezvous) -> None:
    """Let `module.name` run, then meet at the rendezvous (still inside the caller's transaction)."""
    original = getattr(module, name)

    def paused(*args, **kwargs):
        result = original(*args, **kwargs)
        rendezvous.wait()
        return result

    monkeypatch.setattr(module, name, paused)


def hold_after_audit(monkeypatch, action: str) -> threading.Event:
    """Hold the racer that records `action` until another racer waits for a lock it holds.

    The returned event is set once the racer holds, so the other one can be started then.
    """
    holding = threading.Event()
    original = audit.record

    def held(**fields):
        entry = original(**fields)
        if fields["action"] == action:
            holding.set()
            wait_until(other_backend_waits_for_a_lock, "the other racer never waited for a lock")
        return entry

    monkeypatch.setattr(audit, "record", held)
    return holding


def after(event: threading.Event, action: Callable[[], object]) -> Callable[[], object]:
    def run():
        assert event.wait(TIMEOUT)
        return action()

    return run


def race(*actions: Callable[[], object]) -> list[tuple[str, object]]:
    """Start all actions at once, each in its own thread and connection; ("ok", result) or ("error", exc)."""
    start = threading.Barrier(len(actions))
    results: list[tuple[str, object]] = [("missing", None)] * len(actions)

    def run(index: int, action: Callable[[], object]) -> None:
        try:
            start.wait(timeout=TIMEOUT)
            results[index] = ("ok", action())
        except Exception as error:  # noqa: BLE001 — the outcome is what the test inspects
            results[index] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, action)) for i, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(3 * TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a racer hangs"
    return results


def outcomes(results) -> list[str]:
    return sorted(kind for kind, _value in results)
