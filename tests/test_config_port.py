"""`make run PORT=8080`: without BASE_URL, links (e-mails, QR codes, calendar files) follow the served port."""

from __future__ import annotations

import subprocess
from pathlib import Path

from csi_events.config import load_config

ROOT = Path(__file__).resolve().parents[1]


def test_base_url_follows_port_when_unset(monkeypatch, tmp_path):
    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.setenv("PORT", "8080")
    assert load_config(str(tmp_path))["BASE_URL"] == "http://127.0.0.1:8080"


def test_base_url_setting_wins_over_port(monkeypatch, tmp_path):
    monkeypatch.setenv("BASE_URL", "https://events.example.org/")
    monkeypatch.setenv("PORT", "8080")
    assert load_config(str(tmp_path))["BASE_URL"] == "https://events.example.org"


def test_default_port_without_either(monkeypatch, tmp_path):
    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.delenv("PORT", raising=False)
    assert load_config(str(tmp_path))["BASE_URL"] == "http://127.0.0.1:5000"


def test_make_run_exports_the_port_it_serves():
    """The Makefile passes PORT to the app's processes (dry run: prints the commands and the exported value)."""
    out = subprocess.run(
        ["make", "-n", "--no-print-directory", "run", "PORT=8080"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "GUNICORN_BIND=127.0.0.1:8080" in out and "gunicorn -c gunicorn.conf.py app:app" in out
    dev = subprocess.run(
        ["make", "-n", "--no-print-directory", "dev", "PORT=8080"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "flask run --debug" in dev and "--port 8080" in dev
    probe = subprocess.run(
        ["make", "--no-print-directory", "-f", "Makefile", "-f", "-", "show-port", "PORT=8080"],
        cwd=ROOT,
        input="show-port:\n\t@echo $$PORT\n",
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert probe.strip() == "8080"
