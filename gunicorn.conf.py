"""Gunicorn settings for production (`gunicorn app:app` from the project root reads this file).

Chosen by measurement on a 2-core machine with bench/checkin.py (docs/benchmarks.md, "Check-in"); every
value can be overridden by an environment variable for a bigger or smaller host.
"""

import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
# Threaded workers: scanners keep their connections open (keep-alive), which sync workers do not allow.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 5))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
accesslog = None  # the reverse proxy logs requests

# Prometheus metrics of every worker in one scrape (csi_events/observability/metrics.py): prometheus_client keeps
# each worker's counters in files under PROMETHEUS_MULTIPROC_DIR, which must be set before a worker imports the
# app. Without it, each start gets a directory of its own (removed at exit). Two instances on one machine need
# two directories: leave it unset, or give each its own.
_metrics_dir_made_here = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _metrics_dir_made_here:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="csi-events-metrics-")


def on_starting(server):
    """A previous run's files would add their old counts to this one's: start from an empty directory."""
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    for leftover in directory.glob("*.db"):
        leftover.unlink()


def child_exit(server, worker):
    """A dead (or killed) worker's live gauges leave the scrape; its counters stay counted."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _metrics_dir_made_here:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
