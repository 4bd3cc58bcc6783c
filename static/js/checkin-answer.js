// The answer to each scan, never by colour alone: the answer panel (green, amber or red, with its words and an
// icon, the person, and the buttons to undo or override), the list of recent scans, the live counts, and a beep.
import { KIND, M, button, el, els, fmt, state, timeText } from "./checkin-page.js";

const ICON = { ok: "✓", warn: "!", bad: "✕" };

// What the answer's buttons do and what follows every answer shown; set by checkin.js (the modules that do
// these show answers themselves, so they cannot be imported here).
const actions = { undo: null, scan: null, shown: null };
export function connect(handlers) {
  Object.assign(actions, handlers);
}

export function setCounts(counts) {
  if (!counts) return;
  state.counts = { checked_in: 0, confirmed: 0, walk_ins: 0, ...counts };
  els.checkedIn.textContent = state.counts.checked_in;
  els.confirmed.textContent = state.counts.confirmed;
  els.walkIns.textContent = state.counts.walk_ins;
  const word = els.walkInsWord.dataset;
  els.walkInsWord.textContent = state.counts.walk_ins === 1 ? word.one : word.many;
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
  const buttons = el("div", "answer-actions");
  if ((status === "ok" || status === "already_checked_in") && answer.checkin && answer.checkin.id) {
    buttons.append(button(M.undo, () => actions.undo(answer.checkin.id, answer.person, scan.ticket)));
  }
  if ((status === "waitlisted" || status === "not_open") && scan.ticket) {
    buttons.append(button(M.override, () => actions.scan(scan.ticket, { method: scan.method || "qr", override: true })));
  }
  if (buttons.childElementCount) els.answer.append(buttons);
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

// An answer, from the server or from this device: in the recent list always; in the answer panel when it is the
// latest scan's (an older queued scan's answer arriving later does not cover it); a beep when just scanned.
export function show(answer, scan) {
  if (answer.counts) setCounts(answer.counts);
  addRecent(scan.nonce, answer, scan);
  if (!scan.nonce || !state.currentNonce || state.currentNonce === scan.nonce || scan.fresh) {
    state.currentNonce = scan.nonce || null;
    render(answer, scan);
  }
  if (scan.fresh) beep(KIND[answer.status] || "bad");
  actions.shown();
}

export function showError(message) {
  show({ status: "error", message, person: null, checkin: null }, { fresh: true });
}

let audio = null;
export function beep(kind) {
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
