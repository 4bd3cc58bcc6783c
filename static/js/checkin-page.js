// What every part of the check-in page shares: its elements, its words (translated by the server), the state of
// this visit, small helpers to format text and build elements, and the calls to the server. Reads the page once,
// when first imported.
export const root = document.getElementById("checkin");
export const sessionId = Number(root.dataset.sessionId);
export const M = JSON.parse(root.dataset.messages);
export const KIND = M.tone; // status -> ok | warn | bad, from the server (checkin/status.py)

export const $ = (id) => document.getElementById(id);
export const els = {
  scanForm: $("scan-form"),
  scanInput: $("scan-input"),
  answer: $("answer"),
  recent: $("recent"),
  net: $("net-status"),
  checkedIn: $("count-checked-in"),
  confirmed: $("count-confirmed"),
  walkIns: $("count-walk-ins"),
  walkInsWord: $("walkins-word"),
  notArrived: $("not-arrived"),
  notArrivedCount: $("not-arrived-count"),
  cameraToggle: $("camera-toggle"),
  cameraError: $("camera-error"),
  beep: $("beep-toggle"),
  search: $("search-input"),
  results: $("search-results"),
  walkinForm: $("walkin-form"),
  walkinErrors: $("walkin-errors"),
};
// A phone or tablet: focusing the scan field would open the on-screen keyboard over the answer and camera.
export const touchFirst = window.matchMedia("(pointer: coarse)").matches;

export const state = {
  entries: new Map(), // ticket -> roster entry
  session: null,
  counts: null,
  currentNonce: null,
  flushing: false,
  offlineReady: false,
  queuedCount: 0,
  signedOut: false,
};

export const fmt = (template, values) => template.replace(/%\((\w+)\)s/g, (_m, k) => (values[k] ?? "").toString());
// In the page's language (its <html lang>) and the app's display time zone, not the device's.
export const timeText = (iso) =>
  new Date(iso).toLocaleTimeString(document.documentElement.lang || [], {
    hour: "numeric",
    minute: "2-digit",
    timeZone: root.dataset.timeZone || undefined,
  });

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

export function button(text, onClick, className = "button secondary") {
  const node = el("button", className, text);
  node.type = "button";
  node.addEventListener("click", onClick);
  return node;
}

// A ticket as scanned or typed: the bare token, or the token of a ticket link (…/t/<token>); null when neither.
export function parseTicket(value) {
  let text = (value || "").trim();
  if (text.includes("/t/")) {
    text = text.slice(text.lastIndexOf("/t/") + 3).split("?")[0].split("#")[0].replace(/\/+$/, "");
  }
  return /^[A-Za-z0-9_-]{8,64}$/.test(text) ? text : null;
}

// --- calls to the server ------------------------------------------------------------------------
// JSON with the page's CSRF token, renewed once when it is stale. A lost network or a server error (5xx) throws
// NetworkError: the caller answers from this device instead.
export class NetworkError extends Error {}

const csrfMeta = document.querySelector('meta[name="csrf-token"]');

async function refreshCsrf() {
  const response = await fetch(root.dataset.csrfUrl, { credentials: "same-origin", cache: "no-store" });
  if (!response.ok) throw new Error(`csrf ${response.status}`);
  const body = await response.json();
  csrfMeta.content = body.csrf_token;
}

export async function api(url, { method = "GET", body } = {}, retry = true) {
  let response;
  try {
    response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfMeta.content },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new NetworkError(String(err));
  }
  if (response.status === 403 && retry && method !== "GET") {
    // The token may be stale (page served from the offline cache, or a new sign-in): renew it once.
    try {
      await refreshCsrf();
    } catch (err) {
      return { status: 403, body: null };
    }
    return api(url, { method, body }, false);
  }
  if (response.status >= 500) throw new NetworkError(`server ${response.status}`);
  let data = null;
  try {
    data = await response.json();
  } catch (err) {
    data = null;
  }
  return { status: response.status, body: data };
}

// The server's own words for a refused call, else "Error (<status>)".
export function errorMessage(response) {
  return (response.body && response.body.error && response.body.error.message) || `${M.status.error} (${response.status})`;
}
