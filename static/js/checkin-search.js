// Finding people in the roster on this device: the search by name or e-mail, and the list of confirmed people
// not checked in yet. Each person is one tap from check-in (or from undoing it).
import { M, button, el, els, fmt, state, timeText } from "./checkin-page.js";
import { personOf, scanTicket, undo } from "./checkin-scans.js";

export function refreshSearch() {
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

// Confirmed people not checked in yet, by name: one tap checks each in.
export function renderNotArrived() {
  const waiting = Array.from(state.entries.values())
    .filter((entry) => entry.status === "confirmed" && !entry.checked_in_at)
    .sort((a, b) => (a.name || "").localeCompare(b.name || ""));
  els.notArrivedCount.textContent = String(waiting.length);
  els.notArrived.replaceChildren(...waiting.slice(0, 200).map((entry) => personItem(entry, true)));
}
