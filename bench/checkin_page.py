"""The check-in page on a phone's network: bytes moved and time until it is usable on a Fast 3G profile, and
the time a keyboard-wedge scan takes to be answered on loopback.

1. A fresh SQLite database (bench/checkin.py's `prepare`): a session open for check-in, ROSTER confirmed
   registrations, a facilitator. Gunicorn with the production settings (gunicorn.conf.py) on a loopback port.
2. Fast 3G, cold cache: Chromium (Playwright) signs in, then the browser cache is cleared and disabled and the
   network is throttled through the DevTools protocol (Network.emulateNetworkConditions: 1.6 Mbit/s down,
   750 kbit/s up, 150 ms latency); the check-in page is opened RUNS times. "Usable" is the page's own
   `checkin-ready` performance mark: the roster is loaded and a scan is answered from then on. Bytes are the
   encoded (on the wire) sizes of every response until then.
3. Wedge: no throttling; a ticket typed into the scan field and Enter, SCANS times (each a new ticket); the time
   from the form's submit to the answer on screen, measured in the page.

    .venv/bin/python bench/checkin_page.py [--runs 5] [--scans 30] [--markdown]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._server import GUNICORN_CONFIG, free_port, server_env, start_gunicorn, stop  # noqa: E402
from bench.checkin import prepare  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ROSTER = 40
FAST_3G = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 / 8, "uploadThroughput": 750_000 / 8}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}

# Sets window.scanMs to the time from the scan form's submit to the next answer shown.
WATCH_ANSWER = """() => {
  window.scanMs = null;
  const form = document.getElementById("scan-form");
  const answer = document.getElementById("answer");
  let sent = 0;
  form.addEventListener("submit", () => { sent = performance.now(); }, { capture: true, once: true });
  const seen = new MutationObserver(() => {
    if (sent) { seen.disconnect(); window.scanMs = performance.now() - sent; }
  });
  seen.observe(answer, { attributes: true, attributeFilter: ["data-status"] });
}"""


def sign_in(page, base_url: str) -> None:
    page.goto(f"{base_url}/auth/login")
    page.fill("#email", "door@example.org")
    page.fill("#password", "bench-password-123")
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def cold_load(browser, base_url: str, session_id: int) -> dict:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, base_url)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.clearBrowserCache")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", FAST_3G)
    finished: list[tuple[str, float]] = []
    urls: dict[str, str] = {}
    cdp.on("Network.responseReceived", lambda e: urls.__setitem__(e["requestId"], e["response"]["url"]))
    cdp.on("Network.loadingFinished", lambda e: finished.append((e["requestId"], e["encodedDataLength"])))
    page.goto(f"{base_url}/staff/checkin/sessions/{session_id}", wait_until="commit")
    page.wait_for_selector("#checkin[data-ready='1']", timeout=60000)
    timing = page.evaluate(
        """() => ({
        ready: performance.getEntriesByName("checkin-ready")[0].startTime,
        fcp: (performance.getEntriesByName("first-contentful-paint")[0] || {}).startTime || null,
        resources: performance.getEntriesByType("resource")
          .filter((r) => r.responseEnd <= performance.getEntriesByName("checkin-ready")[0].startTime)
          .map((r) => r.name),
      })"""
    )
    ready_urls = set(timing["resources"]) | {f"{base_url}/staff/checkin/sessions/{session_id}"}
    before = sum(size for rid, size in finished if urls.get(rid) in ready_urls)
    context.close()
    return {"ready_ms": timing["ready"], "fcp_ms": timing["fcp"], "bytes_ready": before}


def wedge_scans(browser, base_url: str, session_id: int, tickets: list[str], scans: int) -> list[float]:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    sign_in(page, base_url)
    page.goto(f"{base_url}/staff/checkin/sessions/{session_id}")
    page.wait_for_selector("#checkin[data-ready='1']")
    times = []
    for ticket in tickets[:scans]:
        page.evaluate(WATCH_ANSWER)
        page.keyboard.type(ticket)
        page.keyboard.press("Enter")
        times.append(page.wait_for_function("() => window.scanMs").json_value())
    context.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scans", type=int, default=30)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    workdir = Path(tempfile.mkdtemp(prefix="bench-checkin-page-"))
    database_url = f"sqlite:///{workdir / 'bench.db'}"
    session_id, tickets, _token = prepare(database_url, max(ROSTER, args.scans))
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = server_env(database_url, workdir, BASE_URL=base_url, RATELIMIT_ENABLED="0")
    server = start_gunicorn(port, env, workdir, ["--config", str(GUNICORN_CONFIG)], warm=5)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            loads = []
            for _ in range(args.runs):
                loads.append(cold_load(browser, base_url, session_id))
                print(f"load: {loads[-1]}", flush=True)
            scans = wedge_scans(browser, base_url, session_id, tickets, args.scans)
            browser.close()
    finally:
        stop(server)
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(workdir, ignore_errors=True)
    ready = sorted(run["ready_ms"] for run in loads)
    fcp = sorted(run["fcp_ms"] for run in loads if run["fcp_ms"])
    bytes_ready = statistics.median(run["bytes_ready"] for run in loads)
    scans.sort()
    p95 = scans[min(len(scans) - 1, round(0.95 * (len(scans) - 1)))]
    lines = [
        f"Fast 3G, cold cache, {args.runs} loads of the check-in page ({ROSTER}-person roster):",
        f"  usable (roster loaded): median {statistics.median(ready):.0f} ms, min {ready[0]:.0f}, max {ready[-1]:.0f}",
        f"  first contentful paint: median {statistics.median(fcp):.0f} ms" if fcp else "  first paint: n/a",
        f"  bytes on the wire until usable: {bytes_ready / 1024:.1f} KiB",
        f"Keyboard wedge, loopback, {len(scans)} scans: median {statistics.median(scans):.1f} ms, "
        f"p95 {p95:.1f} ms, max {scans[-1]:.1f} ms",
    ]
    print("\n".join(lines))
    if args.markdown:
        print()
        print("| measure | value |")
        print("|---|---|")
        print(
            f"| usable on Fast 3G, median (min–max) | {statistics.median(ready):.0f} ms ({ready[0]:.0f}–{ready[-1]:.0f}) |"
        )
        if fcp:
            print(f"| first contentful paint, median | {statistics.median(fcp):.0f} ms |")
        print(f"| bytes until usable | {bytes_ready / 1024:.1f} KiB |")
        print(
            f"| wedge scan answered, median / p95 / max | {statistics.median(scans):.1f} / {p95:.1f} / {scans[-1]:.1f} ms |"
        )


if __name__ == "__main__":
    main()
