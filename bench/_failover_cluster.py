"""The production layout of deploy/, started by a user on loopback for bench/failover.py: HAProxy (rendered by
deploy/render.py, TLS with a self-signed certificate made here), gunicorn instances (gunicorn.conf.py), outbox
workers, and a real SMTP server (bench/_smtp_sink.py), each its own process group so a SIGKILL takes the whole
process (gunicorn's master and workers), as a crash would."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "deploy"))

import render  # noqa: E402  (deploy/render.py)

from bench._server import free_port  # noqa: E402


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """(PEM with certificate and key for HAProxy, the certificate alone for the clients to trust)."""
    key, crt, pem = folder / "key.pem", folder / "crt.pem", folder / "site.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(crt)],
        check=True,
        capture_output=True,
    )
    pem.write_bytes(crt.read_bytes() + key.read_bytes())
    return pem, crt


@dataclass
class Proc:
    name: str
    args: list[str]
    env: dict
    log: Path
    port: int = 0  # a web instance's port
    process: subprocess.Popen | None = None
    starts: int = 0

    def start(self) -> None:
        self.starts += 1
        with open(self.log, "ab") as log:
            log.write(f"--- start {self.starts}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                self.args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL to the whole process group: no worker survives its master, nothing is flushed."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()
        except ProcessLookupError:
            pass


@dataclass
class Cluster:
    workdir: Path
    env: dict
    instances: list[Proc] = field(default_factory=list)
    workers: list[Proc] = field(default_factory=list)
    proxy: Proc | None = None
    sink: Proc | None = None
    https_port: int = 0
    smtp_port: int = 0
    client_tls: ssl.SSLContext | None = None

    @property
    def all(self) -> list[Proc]:
        return [p for p in (self.proxy, *self.instances, *self.workers, self.sink) if p is not None]

    def stop(self) -> None:
        for proc in self.all:
            proc.stop()


def instance_ready(port: int, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=timeout) as answer:
            return answer.status == 200
    except OSError:
        return False


def wait_for(check, seconds: float, what: str) -> float:
    """Poll `check` until it is true; returns the seconds it took. RuntimeError after `seconds`."""
    began = time.monotonic()
    while time.monotonic() - began < seconds:
        if check():
            return time.monotonic() - began
        time.sleep(0.1)
    raise RuntimeError(f"{what}: not within {seconds:.0f} s")


def start_cluster(workdir: Path, env: dict, instances: int = 2, workers: int = 2, accept_delay: float = 0.2) -> Cluster:
    cluster = Cluster(workdir, env)
    python = sys.executable
    cluster.smtp_port = free_port()
    mail = workdir / "smtp"
    cluster.sink = Proc(
        "smtp",
        [python, str(ROOT / "bench" / "_smtp_sink.py"), str(mail), str(cluster.smtp_port), str(accept_delay)],
        env,
        workdir / "smtp.log",
    )
    cluster.sink.start()
    wait_for(lambda: (mail / "ready").exists(), 20, "the SMTP server")
    env.update({"MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(cluster.smtp_port)})

    ports = [free_port() for _ in range(instances)]
    gunicorn = [python, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py")]
    for n, port in enumerate(ports, start=1):
        args = [*gunicorn, "--bind", f"127.0.0.1:{port}", "app:app"]
        # Each instance its own metrics directory (gunicorn.conf.py), as deploy/'s unit gives it.
        own = {**env, "PROMETHEUS_MULTIPROC_DIR": str(workdir / f"metrics-{port}")}
        proc = Proc(f"app-{port}", args, own, workdir / f"app{n}.log", port=port)
        cluster.instances.append(proc)
        proc.start()
    for port in ports:
        wait_for(lambda p=port: instance_ready(p), 60, f"the instance on port {port}")

    flask = [python, "-m", "flask", "--app", "app", "notify", "outbox", "--loop", "--interval", "0.5"]
    for n in range(1, workers + 1):
        proc = Proc(f"outbox-{n}", flask, {**env, "OUTBOX_MODE": "worker"}, workdir / f"outbox{n}.log")
        cluster.workers.append(proc)
        proc.start()

    pem, crt = self_signed_certificate(workdir)
    cluster.https_port, http_port = free_port(), free_port()
    out = workdir / "deploy"
    arguments = ["--out", str(out), "--unprivileged", "--cert", str(pem), "--bind", "127.0.0.1"]
    arguments += ["--log", "stdout format raw local0", "--server-name", "127.0.0.1"]
    arguments += ["--http-port", str(http_port), "--https-port", str(cluster.https_port)]
    render.render(render.parser().parse_args([*arguments, "--ports", ",".join(map(str, ports))]))
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    cluster.proxy = Proc(
        "haproxy", [haproxy, "-db", "-f", str(out / "haproxy" / "haproxy.cfg")], env, workdir / "haproxy.log"
    )
    cluster.proxy.start()
    cluster.client_tls = ssl.create_default_context(cafile=str(crt))

    def proxy_ready() -> bool:
        try:
            url = f"https://127.0.0.1:{cluster.https_port}/readyz"
            with urllib.request.urlopen(url, timeout=2, context=cluster.client_tls) as answer:
                return answer.status == 200
        except OSError:
            return False

    wait_for(proxy_ready, 30, "HAProxy")
    return cluster


def connections_to(pid: int, remote_port: int) -> set[int]:
    """Local ports of `pid`'s TCP connections to 127.0.0.1:`remote_port` (from /proc: no extra package)."""
    inodes = set()
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        return set()
    ports = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        cols = line.split()
        local, remote, inode = cols[1], cols[2], cols[9]
        if inode in inodes and int(remote.split(":")[1], 16) == remote_port:
            ports.add(int(local.split(":")[1], 16))
    return ports
