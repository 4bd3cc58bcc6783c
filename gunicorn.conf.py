"""Gunicorn settings for production (`gunicorn app:app` from the project root reads this file).

Chosen by measurement on a 2-core machine with bench/checkin.py (docs/benchmarks.md, "Check-in"); every
value can be overridden by an environment variable for a bigger or smaller host.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
# Threaded workers: scanners keep their connections open (keep-alive), which sync workers do not allow.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 5))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
accesslog = None  # the reverse proxy logs requests
