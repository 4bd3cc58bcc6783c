"""Run the same piece of work on several threads at once, each in its own app context (so its own
connection and transaction, as gunicorn workers would have)."""

from __future__ import annotations

import threading

from csi_events.extensions import db


def run_concurrently(app, count, work):
    """Start `count` threads that call work(i) together (after a barrier): (results by i, errors as repr)."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def runner(i):
        with app.app_context():
            try:
                barrier.wait()
                results[i] = work(i)
            except Exception as err:  # collected and asserted by the caller
                errors.append(repr(err))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors
