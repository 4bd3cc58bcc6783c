// The walk-in form: someone not registered is added and checked in at once. Needs the network; its problems are
// shown twice, in a summary at the button (links to the fields) and next to each field.
import { show, showError } from "./checkin-answer.js";
import { $, M, NetworkError, api, el, els, errorMessage, fmt, root, state } from "./checkin-page.js";
import { saveRosterLocally } from "./checkin-scans.js";

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

export async function submitWalkIn(event) {
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
