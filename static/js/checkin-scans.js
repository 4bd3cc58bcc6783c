// Scans and the roster on this device. The session's roster is loaded from the server (or, without a network, from
// IndexedDB) and kept up to date with every answer. Every scan is put in the offline queue (IndexedDB, with a nonce
// and its scan time) before it is sent, and leaves the queue once the server has answered it; without a network
// (or while signed out, or rate-limited) it is answered from the roster the way the server most likely would, and
// sent again later. Also undo, and the status line.
import { setCounts, show, showError } from "./checkin-answer.js";
import { M, NetworkError, api, els, errorMessage, fmt, parseTicket, root, sessionId, state } from "./checkin-page.js";
import * as store from "./checkin-store.js";

// --- the roster on this device ------------------------------------------------------------------
function applyRoster(roster) {
  state.session = roster.session || state.session;
  state.entries.clear();
  for (const item of roster.items || []) state.entries.set(item.ticket, item);
  if (roster.counts) setCounts(roster.counts);
}

export async function loadRoster() {
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

export async function saveRosterLocally() {
  await store.saveRoster(sessionId, {
    session: state.session,
    items: Array.from(state.entries.values()),
    counts: state.counts,
  });
}

// The roster entry of a scanned or typed ticket, or null.
export function entryOf(ticket) {
  const token = parseTicket(ticket);
  return (token && state.entries.get(token)) || null;
}

function windowOf() {
  const opens = (state.session && state.session.checkin_opens_at) || root.dataset.windowOpens;
  const closes = (state.session && state.session.checkin_closes_at) || root.dataset.windowCloses;
  return [new Date(opens), new Date(closes)];
}

export function personOf(entry) {
  return { name: entry.name, lea: entry.lea, school: entry.school, needs: entry.needs };
}

// The answer the server would most likely give, from the roster on this device.
export function offlineAnswer(item) {
  const entry = entryOf(item.ticket);
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

// The server's answer to a scan, kept in the roster (so an offline answer after it agrees with it).
export function learnFromAnswer(ticket, answer) {
  const entry = entryOf(ticket);
  if (!entry) return;
  if ((answer.status === "ok" || answer.status === "already_checked_in") && answer.checkin) {
    entry.checked_in_at = answer.checkin.checked_in_at;
    entry.checkin_id = answer.checkin.id;
    entry.by = answer.checkin.by;
  }
  saveRosterLocally();
}

// --- scans ---------------------------------------------------------------------------------------
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

export async function scanTicket(text, { method = "qr", override = false } = {}) {
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

export async function flushQueue() {
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

// Scans still waiting from an earlier visit: show them, keep their offline effect on the roster.
export async function showQueued() {
  for (const item of await store.queued(sessionId)) {
    const answer = item.offline_answer || offlineAnswer(item);
    const entry = entryOf(item.ticket);
    if (entry && answer.status === "ok" && !entry.checked_in_at) entry.checked_in_at = item.scanned_at;
    show(answer, { ...item, offline: true });
  }
}

export async function undo(checkinId, person, ticket) {
  let response;
  try {
    response = await api(`${root.dataset.undoUrl}${checkinId}`, { method: "DELETE" });
  } catch (err) {
    if (err instanceof NetworkError) return showError(M.undo_needs_network);
    throw err;
  }
  if (response.status !== 200) return showError(errorMessage(response));
  const entry = entryOf(ticket || "");
  if (entry) {
    entry.checked_in_at = null;
    entry.checkin_id = null;
    saveRosterLocally();
  }
  show({ status: "undone", person, checkin: null, counts: response.body.counts }, { fresh: true });
}

// The status line: online or not, scans waiting, ready for offline use, signed out.
export async function updateNetStatus() {
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
