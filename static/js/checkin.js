// The check-in page: camera and keyboard-wedge scanning, search, walk-ins, undo, overrides, live counts,
// and offline use (service worker + IndexedDB queue of scans with nonces and scan times).
import { Camera } from "./checkin-camera.js";
import * as store from "./checkin-store.js";

const root = document.getElementById("checkin");
const sessionId = Number(root.dataset.sessionId);
const M = JSON.parse(root.dataset.messages);
const KIND = M.tone; // status -> ok | warn | bad, from the server (checkin/status.py)
const ICON = { ok: "✓", warn: "!", bad: "✕" };
const RETRY_EVERY_MS = 15000;

const $ = (id) => document.getElementById(id);
const els = {
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
const csrfMeta = document.querySelector('meta[name="csrf-token"]');
// A phone or tablet: focusing the scan field would open the on-screen keyboard over the answer and camera.
const touchFirst = window.matchMedia("(pointer: coarse)").matches;

const state = {
  entries: new Map(), // ticket -> roster entry
  session: null,
  counts: null,
  currentNonce: null,
  flushing: false,
  offlineReady: false,
  queuedCount: 0,
  signedOut: false,
};

const fmt = (template, values) => template.replace(/%\((\w+)\)s/g, (_m, k) => (values[k] ?? "").toString());
// In the page's language (its <html lang>) and the app's display time zone, not the device's.
const timeText = (iso) =>
  new Date(iso).toLocaleTimeString(document.documentElement.lang || [], {
    hour: "numeric",
    minute: "2-digit",
    timeZone: root.dataset.timeZone || undefined,
  });

// --- tickets ----------------------------------------------------------------------------------
export function parseTicket(value) {
  let text = (value || "").trim();
  if (text.includes("/t/")) {
    text = text.slice(text.lastIndexOf("/t/") + 3).split("?")[0].split("#")[0].replace(/\/+$/, "");
  }
  return /^[A-Za-z0-9_-]{8,64}$/.test(text) ? text : null;
}

// --- network ------------------------------------------------------------------------------------
class NetworkError extends Error {}

async function refreshCsrf() {
  const response = await fetch(root.dataset.csrfUrl, { credentials: "same-origin", cache: "no-store" });
  if (!response.ok) throw new Error(`csrf ${response.status}`);
  const body = await response.json();
  csrfMeta.content = body.csrf_token;
}

async function api(url, { method = "GET", body } = {}, retry = true) {
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

// --- roster -------------------------------------------------------------------------------------
function applyRoster(roster) {
  state.session = roster.session || state.session;
  state.entries.clear();
  for (const item of roster.items || []) state.entries.set(item.ticket, item);
  if (roster.counts) setCounts(roster.counts);
}

async function loadRoster() {
  try {
    const { status, body } = await api(root.dataset.rosterUrl);
    if (status === 200 && body) {
      applyRoster(body);
      await store.saveRoster(sessionId, body);
      return;
    }
    if (status === 401) state.signedOut = true;
  } catch (err) {
    if (!(err instanceof NetworkError)) throw err;
  }
  const saved = await store.loadRoster(sessionId);
  if (saved) applyRoster(saved);
}

async function saveRosterLocally() {
  await store.saveRoster(sessionId, {
    session: state.session,
    items: Array.from(state.entries.values()),
    counts: state.counts,
  });
}

function windowOf() {
  const opens = (state.session && state.session.checkin_opens_at) || root.dataset.windowOpens;
  const closes = (state.session && state.session.checkin_closes_at) || root.dataset.windowCloses;
  return [new Date(opens), new Date(closes)];
}

function personOf(entry) {
  return { name: entry.name, lea: entry.lea, school: entry.school, needs: entry.needs };
}

// The answer the server would most likely give, from the roster on this device.
function offlineAnswer(item) {
  const token = parseTicket(item.ticket);
  const entry = token && state.entries.get(token);
  const counts = state.counts ? { ...state.counts } : null;
  if (!entry) return { status: "invalid", person: null, checkin: null, counts };
  const person = personOf(entry);
  if (entry.status === "cancelled") return { status: "canceled", person, checkin: null, counts };
  if (entry.status === "waitlisted" && !item.override) return { status: "waitlisted", person, checkin: null, counts };
  const [opens, closes] = windowOf();
  const at = new Date(item.scanned_at);
  if (!item.override && (at < opens || at > closes)) return { status: "not_open", person, checkin: null, counts };
  if (entry.checked_in_at) {
    return {
      status: "already_checked_in",
      person,
      checkin: { id: entry.checkin_id || null, checked_in_at: entry.checked_in_at, by: entry.by || null },
      counts,
    };
  }
  entry.checked_in_at = item.scanned_at;
  entry.checkin_id = null;
  if (state.counts) {
    state.counts.checked_in += 1;
    setCounts(state.counts);
  }
  saveRosterLocally();
  return { status: "ok", person, checkin: { id: null, checked_in_at: item.scanned_at, by: null }, counts: state.counts };
}

function learnFromAnswer(ticket, answer) {
  const token = parseTicket(ticket);
  const entry = token && state.entries.get(token);
  if (!entry) return;
  if ((answer.status === "ok" || answer.status === "already_checked_in") && answer.checkin) {
    entry.checked_in_at = answer.checkin.checked_in_at;
    entry.checkin_id = answer.checkin.id;
    entry.by = answer.checkin.by;
  }
  saveRosterLocally();
}

// --- showing answers ----------------------------------------------------------------------------
function setCounts(counts) {
  if (!counts) return;
  state.counts = { checked_in: 0, confirmed: 0, walk_ins: 0, ...counts };
  els.checkedIn.textContent = state.counts.checked_in;
  els.confirmed.textContent = state.counts.confirmed;
  els.walkIns.textContent = state.counts.walk_ins;
  const word = els.walkInsWord.dataset;
  els.walkInsWord.textContent = state.counts.walk_ins === 1 ? word.one : word.many;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function button(text, onClick, className = "button secondary") {
  const node = el("button", className, text);
  node.type = "button";
  node.addEventListener("click", onClick);
  return node;
}

function render(answer, scan) {
  const status = answer.status;
  const kind = KIND[status] || "bad";
  els.answer.className = `answer answer-${kind}`;
  els.answer.dataset.status = status;
  els.answer.dataset.offline = scan.offline ? "1" : "0";
  els.answer.replaceChildren();
  const title = el("p", "answer-title");
  title.append(el("span", "answer-icon", ICON[kind]), " ", el("span", "answer-words", answer.message || M.status[status]));
  if (scan.offline) title.append(el("span", "offline-badge", M.offline));
  els.answer.append(title);
  if (status === "wrong_session" && answer.opportunity_title) {
    els.answer.append(el("p", "answer-detail", answer.opportunity_title));
  }
  if (answer.person && status !== "wrong_session") {
    els.answer.append(el("p", "answer-person", answer.person.name));
    const where = [answer.person.lea, answer.person.school].filter(Boolean).join(" · ");
    if (where) els.answer.append(el("p", "answer-detail", where));
    if (answer.person.needs) els.answer.append(el("p", "answer-detail", `${M.needs}: ${answer.person.needs}`));
  }
  if (status === "already_checked_in" && answer.checkin) {
    const who = answer.checkin.by || (answer.checkin.method === "self" ? M.self : "—");
    els.answer.append(el("p", "answer-detail", fmt(M.first_time, { time: timeText(answer.checkin.checked_in_at), who })));
  }
  const actions = el("div", "answer-actions");
  if ((status === "ok" || status === "already_checked_in") && answer.checkin && answer.checkin.id) {
    actions.append(button(M.undo, () => undo(answer.checkin.id, answer.person, scan.ticket)));
  }
  if ((status === "waitlisted" || status === "not_open") && scan.ticket) {
    actions.append(button(M.override, () => scanTicket(scan.ticket, { method: scan.method || "qr", override: true })));
  }
  if (actions.childElementCount) els.answer.append(actions);
}

function addRecent(nonce, answer, scan) {
  let item = nonce ? els.recent.querySelector(`li[data-nonce="${CSS.escape(nonce)}"]`) : null;
  if (!item) {
    item = el("li");
    if (nonce) item.dataset.nonce = nonce;
    els.recent.prepend(item);
    while (els.recent.childElementCount > 30) els.recent.lastElementChild.remove();
  }
  const kind = KIND[answer.status] || "bad";
  item.dataset.status = answer.status;
  item.replaceChildren(el("span", `st-${kind}`, M.status[answer.status] || answer.status));
  if (answer.person) item.append(el("span", "", answer.person.name));
  item.append(el("span", "meta", timeText(scan.scanned_at || new Date().toISOString())));
  if (scan.offline) item.append(el("span", "offline-badge", M.offline));
}

function show(answer, scan) {
  if (answer.counts) setCounts(answer.counts);
  addRecent(scan.nonce, answer, scan);
  if (!scan.nonce || !state.currentNonce || state.currentNonce === scan.nonce || scan.fresh) {
    state.currentNonce = scan.nonce || null;
    render(answer, scan);
  }
  if (scan.fresh) beep(KIND[answer.status] || "bad");
  refreshSearch();
  renderNotArrived();
}

function showError(message) {
  show({ status: "error", message, person: null, checkin: null }, { fresh: true });
}

// --- beep ---------------------------------------------------------------------------------------
let audio = null;
function beep(kind) {
  if (!els.beep.checked) return;
  try {
    audio = audio || new AudioContext();
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.frequency.value = kind === "ok" ? 880 : kind === "warn" ? 520 : 220;
    gain.gain.value = 0.15;
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start();
    oscillator.stop(audio.currentTime + (kind === "ok" ? 0.12 : 0.35));
  } catch (err) {
    // no audio on this device: the answer is on screen and announced anyway
  }
}

// --- scanning -----------------------------------------------------------------------------------
function newNonce() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function send(item, fromQueue) {
  const body = { session_id: sessionId, ticket: item.ticket, nonce: item.nonce, override: !!item.override };
  if (fromQueue) {
    body.method = "offline";
    body.scanned_at = item.scanned_at;
  } else {
    body.method = item.method;
  }
  return api(root.dataset.api, { method: "POST", body });
}

function errorMessage(response) {
  return (response.body && response.body.error && response.body.error.message) || `${M.status.error} (${response.status})`;
}

async function scanTicket(text, { method = "qr", override = false } = {}) {
  const ticket = (text || "").trim();
  if (!ticket) return;
  const item = { nonce: newNonce(), session_id: sessionId, ticket, scanned_at: new Date().toISOString(), method, override };
  state.currentNonce = item.nonce;
  await store.enqueue(item); // saved before it is sent: a reload or a lost answer loses nothing
  let response;
  try {
    response = await send(item, false);
  } catch (err) {
    if (!(err instanceof NetworkError)) throw err;
    return answerOffline(item);
  }
  if (response.status === 200 && response.body) {
    await store.dequeue(item.nonce);
    learnFromAnswer(ticket, response.body);
    show(response.body, { ...item, fresh: true });
  } else if (response.status === 401) {
    state.signedOut = true;
    answerOffline(item);
    showError(M.signed_out);
  } else if (response.status === 429) {
    answerOffline(item);
  } else {
    await store.dequeue(item.nonce);
    showError(errorMessage(response));
  }
  updateNetStatus();
}

async function answerOffline(item) {
  const answer = offlineAnswer(item);
  item.offline_answer = answer;
  await store.enqueue(item);
  show(answer, { ...item, offline: true, fresh: true });
  updateNetStatus();
}

async function flushQueue() {
  if (state.flushing) return;
  state.flushing = true;
  try {
    const items = await store.queued(sessionId);
    for (const item of items) {
      let response;
      try {
        response = await send(item, true);
      } catch (err) {
        if (err instanceof NetworkError) break;
        throw err;
      }
      if (response.status === 401) {
        state.signedOut = true;
        break;
      }
      if (response.status === 429) break;
      await store.dequeue(item.nonce);
      if (response.status === 200 && response.body) {
        learnFromAnswer(item.ticket, response.body);
        show(response.body, { ...item, offline: false });
      } else {
        const answer = { status: "error", message: errorMessage(response), person: null, checkin: null };
        show(answer, { ...item, offline: false });
      }
    }
  } finally {
    state.flushing = false;
    updateNetStatus();
  }
}

async function undo(checkinId, person, ticket) {
  let response;
  try {
    response = await api(`${root.dataset.undoUrl}${checkinId}`, { method: "DELETE" });
  } catch (err) {
    if (err instanceof NetworkError) return showError(M.undo_needs_network);
    throw err;
  }
  if (response.status !== 200) return showError(errorMessage(response));
  const token = parseTicket(ticket || "");
  const entry = token && state.entries.get(token);
  if (entry) {
    entry.checked_in_at = null;
    entry.checkin_id = null;
    saveRosterLocally();
  }
  show({ status: "undone", person, checkin: null, counts: response.body.counts }, { fresh: true });
}

// --- status line --------------------------------------------------------------------------------
async function updateNetStatus() {
  const items = await store.queued(sessionId);
  state.queuedCount = items.length;
  const parts = [navigator.onLine ? M.online : M.no_network];
  if (items.length) parts.push(fmt(M.queued, { n: items.length }));
  if (state.offlineReady) parts.push(M.offline_ready);
  if (state.signedOut) parts.push(M.signed_out);
  els.net.textContent = parts.join(" · ");
  els.net.classList.toggle("is-offline", !navigator.onLine);
  root.dataset.queued = String(items.length);
}

// --- search -------------------------------------------------------------------------------------
function refreshSearch() {
  const words = els.search.value.toLowerCase().split(/\s+/).filter(Boolean);
  els.results.replaceChildren();
  if (!words.length) return;
  const matches = [];
  for (const entry of state.entries.values()) {
    const hay = `${entry.name} ${entry.email || ""}`.toLowerCase();
    if (words.every((w) => hay.includes(w))) matches.push(entry);
    if (matches.length >= 20) break;
  }
  if (!matches.length) {
    els.results.append(el("li", "", M.no_match));
    return;
  }
  for (const entry of matches) els.results.append(personItem(entry));
}

function personItem(entry, compact = false) {
  {
    const item = el("li");
    const who = el("span", "who");
    who.append(el("strong", "", entry.name));
    const details = compact
      ? [entry.school || entry.lea]
      : [entry.email, entry.lea, entry.school, M.status_label[entry.status] || entry.status];
    who.append(" ", el("span", "meta", details.filter(Boolean).join(" · ")));
    if (entry.checked_in_at) who.append(" ", el("span", "badge", fmt(M.checked_in_at, { time: timeText(entry.checked_in_at) })));
    item.append(who);
    if (entry.checked_in_at && entry.checkin_id) {
      item.append(button(`${M.undo}`, () => undo(entry.checkin_id, personOf(entry), entry.ticket)));
    } else if (!entry.checked_in_at) {
      const b = button(M.check_in, () => scanTicket(entry.ticket, { method: "search" }), "button");
      b.setAttribute("aria-label", `${M.check_in}: ${entry.name}`);
      item.append(b);
    }
    return item;
  }
}

// Confirmed people not checked in yet, by name: one tap checks each in.
function renderNotArrived() {
  const waiting = Array.from(state.entries.values())
    .filter((entry) => entry.status === "confirmed" && !entry.checked_in_at)
    .sort((a, b) => (a.name || "").localeCompare(b.name || ""));
  els.notArrivedCount.textContent = String(waiting.length);
  els.notArrived.replaceChildren(...waiting.slice(0, 200).map((entry) => personItem(entry, true)));
}

// --- walk-ins -----------------------------------------------------------------------------------
const WALKIN_FIELDS = {
  first_name: "walkin-first",
  last_name: "walkin-last",
  email: "walkin-email",
  role: "walkin-role",
  lea_cd_code: "walkin-lea",
  school_cds_code: "walkin-school",
  organization: "walkin-org",
  needs: "walkin-needs",
};

function fieldLabel(name) {
  const label = document.querySelector(`label[for="${WALKIN_FIELDS[name] || ""}"]`);
  if (!label) return name;
  const copy = label.cloneNode(true);
  copy.querySelectorAll(".required").forEach((node) => node.remove());
  return copy.textContent.trim();
}

// "Name (1234567)" as the type-ahead fills it, or a bare code: the code; "" when empty; null when unreadable.
function directoryCode(value, digits) {
  const text = (value || "").trim();
  if (!text) return "";
  const match = text.match(/\((\d+)\)\s*$/);
  const code = match ? match[1] : text;
  return new RegExp(`^\\d{${digits}}$`).test(code) ? code : null;
}

// Problems found before sending, each as [field name, message] in the page's language.
function walkInProblems(data) {
  const texts = els.walkinForm.dataset;
  const problems = [];
  for (const name of ["first_name", "last_name", "email"]) {
    if (!data[name]) problems.push([name, fmt(texts.required, { field: fieldLabel(name) })]);
  }
  if (data.email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(data.email)) problems.push(["email", texts.emailInvalid]);
  for (const name of ["lea_cd_code", "school_cds_code"]) {
    if (data[name] === null) problems.push([name, fmt(texts.pick, { field: fieldLabel(name) })]);
  }
  return problems;
}

// Each problem twice: in the summary at the button (links to the fields), and next to its field (aria-describedby).
function showWalkInProblems(problems) {
  const list = el("ul");
  for (const [name, message] of problems) {
    const item = el("li");
    const link = el("a", "", message);
    link.href = `#${WALKIN_FIELDS[name] || "walkin-first"}`;
    item.append(link);
    list.append(item);
    const input = $(WALKIN_FIELDS[name] || "");
    if (input) markWalkInField(input, message);
  }
  els.walkinErrors.replaceChildren(list);
  els.walkinErrors.className = "flash flash-error";
  els.walkinErrors.hidden = false;
  els.walkinErrors.focus();
}

function markWalkInField(input, message) {
  const id = `${input.id}-err`;
  let box = $(id);
  if (!box) {
    box = el("ul", "errors");
    box.id = id;
    input.after(box);
  }
  box.append(el("li", "", message));
  input.setAttribute("aria-invalid", "true");
  input.closest(".field")?.classList.add("has-error");
  const described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
  if (!described.includes(id)) input.setAttribute("aria-describedby", [...described, id].join(" "));
}

function clearWalkInProblems() {
  for (const input of els.walkinForm.querySelectorAll("[aria-invalid]")) {
    input.removeAttribute("aria-invalid");
    input.closest(".field")?.classList.remove("has-error");
    const id = `${input.id}-err`;
    $(id)?.remove();
    const described = (input.getAttribute("aria-describedby") || "").split(" ").filter((x) => x && x !== id);
    if (described.length) input.setAttribute("aria-describedby", described.join(" "));
    else input.removeAttribute("aria-describedby");
  }
}

async function submitWalkIn(event) {
  event.preventDefault();
  const raw = Object.fromEntries(new FormData(els.walkinForm).entries());
  const data = { ...raw, lea_cd_code: directoryCode(raw.lea, 7), school_cds_code: directoryCode(raw.school, 14) };
  delete data.lea;
  delete data.school;
  for (const key of Object.keys(data)) if (typeof data[key] === "string") data[key] = data[key].trim();
  clearWalkInProblems();
  els.walkinErrors.hidden = true;
  els.walkinErrors.replaceChildren();
  const problems = walkInProblems(data);
  if (problems.length) return showWalkInProblems(problems);
  for (const key of Object.keys(data)) if (data[key] === "") delete data[key];
  let response;
  try {
    response = await api(root.dataset.walkinUrl, { method: "POST", body: data });
  } catch (err) {
    if (err instanceof NetworkError) return showError(M.undo_needs_network);
    throw err;
  }
  if (response.status === 201 || response.status === 200) {
    const answer = response.body;
    const reg = answer.registration;
    state.entries.set(reg.ticket, {
      registration_id: reg.id,
      ticket: reg.ticket,
      status: reg.status,
      source: reg.source,
      email: data.email,
      ...(answer.person || {}),
      checked_in_at: answer.checkin && answer.checkin.checked_in_at,
      checkin_id: answer.checkin && answer.checkin.id,
    });
    saveRosterLocally();
    els.walkinForm.reset();
    show(answer, { ticket: reg.ticket, method: "walk_in", fresh: true });
    // Where the eye is: right above the button just pressed, and the answer at the top.
    els.walkinErrors.className = "flash flash-success";
    els.walkinErrors.replaceChildren(el("p", "", fmt(els.walkinForm.dataset.done, { name: (answer.person || {}).name || "" })));
    els.walkinErrors.hidden = false;
    return;
  }
  const fields = (response.body && response.body.error && response.body.error.fields) || {};
  // The server's own words for each field (the API's error.fields), else "check <field>".
  const named = Object.entries(fields).flatMap(([name, messages]) =>
    Array.isArray(messages) && messages.length
      ? messages.map((message) => [name, String(message)])
      : [[name, fmt(els.walkinForm.dataset.invalid, { field: fieldLabel(name) })]],
  );
  showWalkInProblems(named.length ? named : [["", errorMessage(response)]]);
}

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
  // Scans still waiting from an earlier visit: show them, keep their offline effect on the roster.
  for (const item of await store.queued(sessionId)) {
    const answer = item.offline_answer || offlineAnswer(item);
    const token = parseTicket(item.ticket);
    const entry = token && state.entries.get(token);
    if (entry && answer.status === "ok" && !entry.checked_in_at) entry.checked_in_at = item.scanned_at;
    show(answer, { ...item, offline: true });
  }
  renderNotArrived();
  await updateNetStatus();
  root.dataset.ready = "1";
  performance.mark("checkin-ready"); // bench/checkin_page.py: the page is usable from here
  if (navigator.onLine) flushQueue();
  setUpServiceWorker();
}

main();
