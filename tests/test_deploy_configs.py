"""deploy/: the rendered HAProxy configuration passes `haproxy -c` with a certificate made here, and the systemd
units pass `systemd-analyze verify` (which also checks that every ExecStart program exists)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "deploy"))

import render  # noqa: E402  (deploy/render.py: a script, not a package)

pytestmark = pytest.mark.slow


def self_signed_pem(folder: Path) -> Path:
    """A certificate and its key in one PEM file, as HAProxy's `crt` wants it (openssl CLI)."""
    key, crt, pem = folder / "key.pem", folder / "crt.pem", folder / "site.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=csi-events.local"]
        + ["-keyout", str(key), "-out", str(crt)],
        check=True,
        capture_output=True,
    )
    pem.write_bytes(crt.read_bytes() + key.read_bytes())
    return pem


def rendered(tmp_path: Path, *extra: str) -> Path:
    out = tmp_path / "out"
    cert = self_signed_pem(tmp_path)
    # The units point at this checkout and its virtualenv, so that verify finds gunicorn and flask.
    render.main(["--out", str(out), "--prefix", str(ROOT), "--cert", str(cert), "--ports", "8001,8002,8003", *extra])
    return out


def test_the_proxy_configuration_is_valid_for_haproxy(tmp_path):
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(haproxy).exists():
        pytest.fail("haproxy is not installed (Debian: apt-get install haproxy; .ci/run installs it)")
    out = rendered(tmp_path)
    config = out / "haproxy" / "haproxy.cfg"
    checked = subprocess.run([haproxy, "-c", "-f", str(config)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    text = config.read_text()
    for port in (8001, 8002, 8003):
        assert text.count(f"127.0.0.1:{port}") == 2  # the app backend and the static one
    assert "uri /readyz" in text and "redirect scheme https" in text and "ssl crt " + str(tmp_path / "site.pem") in text
    assert "X-Request-ID" in text and "X-Forwarded-Proto https" in text and "cache-use static" in text

    # The check is real: a certificate file that is not one makes haproxy refuse the same configuration.
    (tmp_path / "site.pem").write_text("not a certificate\n")
    refused = subprocess.run([haproxy, "-c", "-f", str(config)], capture_output=True, text=True)
    assert refused.returncode != 0


def test_the_unprivileged_proxy_configuration_for_tests_is_valid_too(tmp_path):
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(haproxy).exists():
        pytest.fail("haproxy is not installed (Debian: apt-get install haproxy; .ci/run installs it)")
    out = rendered(tmp_path, "--unprivileged", "--bind", "127.0.0.1", "--http-port", "18080", "--https-port", "18443")
    text = (out / "haproxy" / "haproxy.cfg").read_text()
    assert "chroot" not in text and "user haproxy" not in text and "bind 127.0.0.1:18443 ssl" in text
    checked = subprocess.run(
        [haproxy, "-c", "-f", str(out / "haproxy" / "haproxy.cfg")], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path):
    out = rendered(tmp_path)
    units = out / "systemd"
    names = sorted(p.name for p in units.iterdir())
    assert names == sorted(
        [
            "csi-events.target",
            "csi-events@.service",
            "csi-events-outbox@.service",
            "csi-events-migrate.service",
            *(f"{job.name}.{suffix}" for job in render.JOBS for suffix in ("service", "timer")),
        ]
    )
    outbox = (units / "csi-events-outbox@.service").read_text()
    assert "Nice=10" in outbox and "CPUWeight=20" in outbox and "OUTBOX_MODE=worker" in outbox
    assert "--bind 127.0.0.1:%i" in (units / "csi-events@.service").read_text()
    assert "purge-inactive --years ${RETENTION_YEARS}" in (units / "csi-events-purge.service").read_text()

    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (package systemd): the units were rendered but not verified")
    # Templates are verified through an instance name (the port, the worker number).
    paths = [str(units / "csi-events@8001.service"), str(units / "csi-events-outbox@1.service")]
    paths += [str(p) for p in sorted(units.iterdir()) if "@" not in p.name]
    verified = subprocess.run([analyze, "verify", *paths], capture_output=True, text=True, cwd=units)
    output = verified.stdout + verified.stderr
    assert verified.returncode == 0, output
    # Unknown keys are only warnings for systemd: a misspelt setting must fail here all the same.
    assert "Unknown" not in output and "ignoring" not in output, output
