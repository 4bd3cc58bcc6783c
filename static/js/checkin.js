// The check-in page: camera and keyboard-wedge scanning, search, walk-ins, undo, overrides, live counts,
// and offline use (service worker + IndexedDB queue of scans with nonces and scan times). This module wires the
// page together; the parts are checkin-page.js (elements, words, state, server calls), checkin-answer.js (the
// answer shown), checkin-scans.js (the roster on this device, scans, the offline queue and its sync),
// checkin-search.js (search, not arrived), checkin-walkin.js (the walk-in form), checkin-store.js (IndexedDB)
// and checkin-camera.js (the camera). Few modules on purpose: a browser opens 6 connections to a server, and
// more files than that (with the page's styles and other scripts) would cost a round trip more on a slow network.
import { beep, connect } from "./checkin-answer.js";
import { Camera } from "./checkin-camera.js";
import { $, M, els, fmt, root, state, touchFirst } from "./checkin-page.js";
import { flushQueue, loadRoster, scanTicket, showQueued, undo, updateNetStatus } from "./checkin-scans.js";
import { refreshSearch, renderNotArrived } from "./checkin-search.js";
import { submitWalkIn } from "./checkin-walkin.js";

const RETRY_EVERY_MS = 15000;

connect({
  undo,
  scan: scanTicket,
  shown: () => {
    refreshSearch();
    renderNotArrived();
  },
});

// --- offline: service worker --------------------------------------------------------------------
async function setUpServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  try {
    await navigator.serviceWorker.register(root.dataset.swUrl, { scope: root.dataset.swScope });
    const registration = await navigator.serviceWorker.ready;
    const urls = [location.pathname, root.dataset.rosterUrl];
    await new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => resolve();
      registration.active.postMessage({ type: "cache-urls", urls }, [channel.port2]);
      setTimeout(resolve, 10000);
    });
    if (!navigator.serviceWorker.controller) {
      // First visit: the worker takes control (clients.claim) right after it activates.
      await new Promise((resolve) => {
        navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true });
        setTimeout(resolve, 10000);
      });
    }
    if (!navigator.serviceWorker.controller) return;
    state.offlineReady = true;
    document.documentElement.dataset.offlineReady = "1";
    updateNetStatus();
  } catch (err) {
    console.warn("check-in: offline mode unavailable", err);
  }
}

// --- wiring -------------------------------------------------------------------------------------
function keepScannerFocus() {
  // A USB/Bluetooth scanner types into whatever has focus: bring focus back to the scan field
  // whenever it drops to the page itself.
  setTimeout(() => {
    const active = document.activeElement;
    if (touchFirst) return;
    if (!active || active === document.body || active === els.answer) els.scanInput.focus();
  }, 50);
}

async function main() {
  els.scanForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = els.scanInput.value;
    els.scanInput.value = "";
    scanTicket(value, { method: "qr" });
    if (touchFirst) els.scanInput.blur();
    else els.scanInput.focus();
  });
  els.scanInput.addEventListener("blur", keepScannerFocus);
  document.addEventListener("click", keepScannerFocus);

  els.beep.checked = localStorage.getItem("csi-checkin-beep") === "1";
  els.beep.addEventListener("change", () => {
    localStorage.setItem("csi-checkin-beep", els.beep.checked ? "1" : "0");
    if (els.beep.checked) beep("ok");
  });

  const onCode = (text) => {
    if (touchFirst && document.activeElement === els.scanInput) els.scanInput.blur();
    scanTicket(text, { method: "qr" });
  };
  const camera = new Camera($("camera-video"), $("camera-canvas"), onCode, root.dataset.decoderUrl);
  els.cameraToggle.addEventListener("click", async () => {
    els.cameraError.hidden = true;
    if (camera.running) {
      camera.stop();
    } else {
      try {
        await camera.start();
      } catch (err) {
        camera.stop();
        els.cameraError.textContent = fmt(M.camera_error, { why: err.name || err.message });
        els.cameraError.hidden = false;
      }
    }
    els.cameraToggle.textContent = camera.running ? M.camera_stop : M.camera_start;
    els.cameraToggle.setAttribute("aria-pressed", camera.running ? "true" : "false");
    root.dataset.camera = camera.running ? "on" : "off";
  });

  els.search.addEventListener("input", refreshSearch);
  els.walkinForm.addEventListener("submit", submitWalkIn);
  window.addEventListener("online", () => {
    updateNetStatus();
    flushQueue().then(loadRoster);
  });
  window.addEventListener("offline", updateNetStatus);
  setInterval(() => {
    if (navigator.onLine && state.queuedCount) flushQueue();
  }, RETRY_EVERY_MS);

  if (!touchFirst) els.scanInput.focus();
  await loadRoster();
  await showQueued();
  renderNotArrived();
  await updateNetStatus();
  root.dataset.ready = "1";
  performance.mark("checkin-ready"); // bench/checkin_page.py: the page is usable from here
  if (navigator.onLine) flushQueue();
  setUpServiceWorker();
}

main();
