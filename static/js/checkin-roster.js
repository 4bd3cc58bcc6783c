// The session's roster on this device: loaded from the server (or, without a network, from IndexedDB), kept up to
// date with every answer, and used to answer scans the way the server most likely would while offline.
import { NetworkError, api } from "./checkin-api.js";
import { setCounts } from "./checkin-answer.js";
import { parseTicket, root, sessionId, state } from "./checkin-page.js";
import * as store from "./checkin-store.js";

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
