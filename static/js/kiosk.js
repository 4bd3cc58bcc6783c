// The self check-in kiosk: camera (or typed) tickets are sent to this kiosk's link and answered with a
// welcome by first name. Every scan goes to the check-in page's offline queue (checkin-store.js) before it is
// sent, under this kiosk's own key, so a lost network loses nothing: queued scans are sent when it is back.
import { Camera } from "./checkin-camera.js";
import * as store from "./checkin-store.js";

const root = document.getElementById("kiosk");
const M = JSON.parse(root.dataset.messages);
const QUEUE_KEY = `kiosk-${root.dataset.kioskId}`;
const RESET_AFTER_MS = 6000;
const RETRY_EVERY_MS = 15000;
const KIND = { ok: "ok", already_checked_in: "ok", invalid: "bad", canceled: "bad", wrong_session: "bad" };

const $ = (id) => document.getElementById(id);
const els = { answer: $("kiosk-answer"), camera: $("kiosk-camera"), cameraError: $("kiosk-camera-error"),
  form: $("kiosk-form"), input: $("kiosk-input"), status: $("kiosk-status") };
const state = { flushing: false, closed: false, resetTimer: null };
const fmt = (template, values) => template.replace(/%\((\w+)\)s/g, (_m, k) => (values[k] ?? "").toString());

class NetworkError extends Error {}

const csrfToken = () => document.querySelector('meta[name="csrf-token"]').content;

function newNonce() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function show(message, kind) {
  clearTimeout(state.resetTimer);
  els.answer.textContent = message;
  els.answer.className = `kiosk-answer ${kind || ""}`;
  if (!state.closed) {
    state.resetTimer = setTimeout(() => show(M.ready, ""), RESET_AFTER_MS);
  }
}

async function post(item) {
  let response;
  try {
    response = await fetch(root.dataset.scanUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ ticket: item.ticket, nonce: item.nonce, scanned_at: item.scanned_at }),
    });
  } catch (err) {
    throw new NetworkError(String(err));
  }
  if (response.status >= 500) throw new NetworkError(`server ${response.status}`);
  let body = null;
  try {
    body = await response.json();
  } catch (err) {
    body = null;
  }
  return { status: response.status, body };
}

function closeKiosk() {
  state.closed = true;
  show(M.closed, "bad");
  els.camera.disabled = true;
  els.input.disabled = true;
}

// The answer to one scan: true when the server has settled it (it may leave the queue).
function answer(response, fresh) {
  if (response.status === 200 && response.body) {
    if (fresh) show(response.body.message, KIND[response.body.status] || "warn");
    return true;
  }
  if (response.status === 404) {
    closeKiosk();
    return true;
  }
  if (response.status === 429) {
    if (fresh) show(M.busy, "warn");
    return false;
  }
  if (response.status === 400) {
    // The page's CSRF token is no longer valid (its cookie was lost): the scan stays queued for after a reload.
    show(M.reload, "bad");
    return false;
  }
  if (fresh) show((response.body && response.body.error && response.body.error.message) || M.error, "bad");
  return true;
}

async function scan(text) {
  const ticket = (text || "").trim();
  if (!ticket || state.closed) return;
  const item = { nonce: newNonce(), session_id: QUEUE_KEY, ticket, scanned_at: new Date().toISOString() };
  await store.enqueue(item); // saved before it is sent
  try {
    if (answer(await post(item), true)) await store.dequeue(item.nonce);
  } catch (err) {
    if (!(err instanceof NetworkError)) throw err;
    show(M.saved_offline, "ok");
  }
  updateStatus();
}

async function flush() {
  if (state.flushing || state.closed) return;
  state.flushing = true;
  try {
    for (const item of await store.queued(QUEUE_KEY)) {
      let response;
      try {
        response = await post(item);
      } catch (err) {
        if (err instanceof NetworkError) break;
        throw err;
      }
      if (!answer(response, false)) break;
      await store.dequeue(item.nonce);
    }
  } finally {
    state.flushing = false;
    updateStatus();
  }
}

async function updateStatus() {
  const items = await store.queued(QUEUE_KEY);
  els.status.textContent = items.length ? fmt(M.queued, { n: items.length }) : "";
}

function main() {
  const camera = new Camera($("kiosk-video"), $("kiosk-canvas"), scan);
  els.camera.addEventListener("click", async () => {
    els.cameraError.hidden = true;
    try {
      await camera.start();
      els.camera.hidden = true;
    } catch (err) {
      camera.stop();
      els.cameraError.textContent = fmt(M.camera_error, { why: err.name || err.message });
      els.cameraError.hidden = false;
    }
  });
  els.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = els.input.value;
    els.input.value = "";
    scan(value);
  });
  window.addEventListener("online", flush);
  setInterval(() => {
    if (navigator.onLine) flush();
  }, RETRY_EVERY_MS);
  root.dataset.ready = "1";
  flush();
}

main();
