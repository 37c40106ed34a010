// The facilitator's laptop: run the room one step at a time (open, reveal, discuss, consolidate,
// next practice, close), follow the votes live, see where the group agrees and disagrees, and the
// verdict at the end. One primary action follows the run of show; everything else is secondary.
import { Connection, showStatus } from "./connection.js";
import { distributionChart, heatMap, labelBadge, ladder, levelChip, practiceLevel, profileChart, verdict } from "./charts.js";
import { Countdown } from "./countdown.js";
import { FORMATS, download, downloadSummary } from "./downloads.js";
import { indexFramework } from "./framework.js";
import { ALL, EVENTS, LEVEL_LABELS, LIMITS, STORAGE } from "./protocol.js";
import { $, announce, bootstrap, counted, decimal, h, paintCount, percent, readStorage, rememberSession, replace, writeStorage } from "./dom.js";

const main = $("[data-page=facilitator]");
const root = $("[data-root]");
const code = main.dataset.code;
const joinUrl = main.dataset.joinUrl;

let token = null;
let connection = null;
const framework = bootstrap().framework;
const index = indexFramework(framework);
const { order, info } = index;
let state = null;
let tally = null;
let selected = null;
let tab = "queue";
let links = {};
const reasonsCache = {};
const changing = new Set(); // practices whose recorded level the facilitator chose to change
const countdown = new Countdown();
let benchmark = null; // {status, data}: fetched when the placement is first shown, again at close
const DIVIDED = new Set(["polarised", "split"]);
const MODE_WORDS = {
  phase: "Phases: the organisation is in the first phase whose requirements are not all in place.",
  best_fit: "Best fit: each stage has its own bar; the highest stage most of whose practices meet it.",
  stage_vote: "Stage vote: the room chooses the description that fits best; the practice ratings are shown beside it.",
  profile: "Profile only: the source gives no rule for moving between stages, so there is no stage verdict.",
  staged: "Staged: the highest stage whose practices, and every earlier stage's, meet the threshold.",
};

// --- credentials -------------------------------------------------------------------------------
function takeToken() {
  const match = window.location.hash.match(/key=([A-Za-z0-9_-]+)/);
  if (match) {
    writeStorage(STORAGE.facilitator(code), match[1]);
    // keep the secret out of the address bar (screens get shared); it stays on this device
    history.replaceState(null, "", window.location.pathname);
  }
  return readStorage(STORAGE.facilitator(code));
}

function askForKey(message) {
  const input = h("input", { type: "text", id: "key", autocomplete: "off", spellcheck: "false" });
  const form = h("form", { class: "card stack", style: "max-width:36rem" },
    h("h1", {}, `Facilitate session ${code}`),
    message ? h("p", { class: "error-text", role: "alert" }, message) : null,
    h("p", {}, "This page needs the session's facilitator link (the one with #key= that you got when you created the session)."),
    h("div", { class: "field" }, h("label", { for: "key" }, "Facilitator link or key"), input),
    h("button", { class: "primary", type: "submit" }, "Open"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = input.value.trim();
    const match = value.match(/key=([A-Za-z0-9_-]+)/) || value.match(/^([A-Za-z0-9_-]{16,128})$/);
    if (!match) {
      askForKey("That is not a facilitator link or key.");
      return;
    }
    writeStorage(STORAGE.facilitator(code), match[1]);
    start();
  });
  replace(root, form);
  input.focus();
}

function start() {
  token = takeToken();
  if (!token) {
    askForKey();
    return;
  }
  if (connection) {
    connection.socket.disconnect().connect();
    return;
  }
  connection = new Connection((conn) => conn.raw(EVENTS.HOST, { code, facilitator_token: token }));
  showStatus(connection, $("[data-status]"));
  connection.addEventListener("bound", (event) => hosted(event.detail));
  connection.addEventListener("bind-failed", (event) => {
    const ack = event.detail;
    if (ack.error === "forbidden" || ack.error === "bad_request" || ack.error === "not_found") {
      writeStorage(STORAGE.facilitator(code), null);
      connection.socket.disconnect();
      connection = null;
      askForKey(ack.message);
    }
  });
  connection.on(EVENTS.STATE, receiveState);
  connection.on(EVENTS.TALLY, receiveTally);
}

function hosted(ack) {
  links = ack.links || {};
  const presenter = $("[data-presenter-link]");
  if (links.presenter_url) {
    presenter.href = links.presenter_url;
    presenter.hidden = false;
  }
  state = null;
  receiveState(ack.state);
  rememberSession({ code, title: state.title, organization: state.organization });
}

// --- state ---------------------------------------------------------------------------------------
function receiveState(next) {
  if (state && next.version < state.version) return;
  state = next;
  tally = null;
  for (const id of [...changing]) if (!detail(id).decision) changing.delete(id);
  if (!selected || !info[selected]) selected = state.current || firstUseful();
  render();
  countdown.sync(state.timer);
}

function receiveTally(next) {
  if (!state || next.version < state.version) return;
  tally = next;
  renderPeople();
  if (next.prework) {
    for (const [name, value] of Object.entries(next.prework)) {
      for (const element of document.querySelectorAll(`[data-prework-${name}]`)) element.textContent = String(value);
    }
  }
  for (const [id, votes] of Object.entries(next.votes)) {
    paintCount(id, votes);
  }
}

function firstUseful() {
  const open = state.practices.find((practice) => practice.status === "open");
  const pending = state.practices.find((practice) => practice.status === "pending");
  return (open || pending || state.practices[0]).id;
}

function detail(id) {
  return state.practices.find((practice) => practice.id === id);
}

function votesIn(id) {
  if (tally && tally.votes[id] !== undefined) return tally.votes[id];
  return detail(id).votes;
}

function people() {
  return tally ? tally.participants : state.participants;
}

function names(id) {
  return (value) => index.answerName(id, value);
}

// --- the run of show -------------------------------------------------------------------------------
/** The practice after ``id`` that still needs the room: the next one not yet recorded, in order. */
function nextInRunOfShow(id) {
  const start = order.indexOf(id);
  const later = [...order.slice(start + 1), ...order.slice(0, start)];
  return later.find((other) => !detail(other).decision) || null;
}

function runOfShow(row) {
  const id = row.id;
  const result = row.result;
  const proposed = result ? result.computed_level : null;
  const decided = Boolean(row.decision) && !changing.has(id);
  const spotlighted = state.spotlight && state.spotlight.practice === id;
  if (row.status === "pending") {
    return { primary: button("open", ["Open for votes ", h("kbd", {}, "o")], () => act(EVENTS.OPEN, { practice: id })), secondary: [] };
  }
  if (row.status === "open" && preworkOpen()) {
    return { primary: null, secondary: [h("span", { class: "small muted", "data-waits-for-prework": "" },
      "Pre-work is open: the answers stay hidden until you close it and reveal them in the room.")] };
  }
  if (row.status === "open") {
    return {
      primary: button("reveal", ["Reveal the results ", h("kbd", {}, "r")], () => act(EVENTS.REVEAL, { practice: id })),
      secondary: [
        state.current !== id ? button("focus", "Show to the room", () => act(EVENTS.OPEN, { practice: id })) : null,
        row.round > 1 ? h("span", { class: "small muted" }, `Re-vote: round ${row.round}`) : null,
      ],
    };
  }
  if (decided) {
    const next = nextInRunOfShow(id);
    if (next) {
      const target = detail(next);
      const label = target.status === "pending" ? "Open the next practice" : "Go to the next practice";
      return {
        primary: button("next", [`${label}: ${info[next].position}. `, h("span", { class: "truncate" }, info[next].practice.text), " ", h("kbd", {}, "n")],
          () => goNext(next)),
        secondary: [button("change", "Change the recorded level", () => { changing.add(id); render(); })],
      };
    }
    return {
      primary: state.status === "running" ? button("close", "Everything is recorded: close the session…", confirmClose, "primary") : null,
      secondary: [button("change", "Change the recorded level", () => { changing.add(id); render(); })],
    };
  }
  const acceptLabel = (suffix = "") => [`Accept ${names(id)(proposed)}${suffix}`, result.between_levels ? " (lower median)" : "", " ", h("kbd", {}, "c")];
  const accept = proposed ? button("consolidate", acceptLabel(), () => act(EVENTS.CONSOLIDATE, { practice: id })) : null;
  const revote = button("revote", ["Re-vote ", h("kbd", {}, "v")], () => act(EVENTS.REVOTE, { practice: id }));
  const reasons = button("spotlight", spotlighted && state.spotlight.show_reasons ? "Hide the reasons from the projector" : "Show the reasons on the projector",
    () => act(EVENTS.SPOTLIGHT, spotlighted && state.spotlight.show_reasons ? {} : { practice: id, show_reasons: true }));
  if (result && DIVIDED.has(result.label)) {
    // a divided room is discussed first: the safe actions lead, accepting the median waits
    const primary = spotlighted && state.spotlight.show_reasons ? revote : reasons;
    primary.classList.add("primary");
    const anyway = proposed ? button("consolidate", acceptLabel(" anyway"), () => act(EVENTS.CONSOLIDATE, { practice: id })) : null;
    return { primary, secondary: [primary === revote ? reasons : revote, anyway] };
  }
  if (accept) accept.classList.add("primary");
  return { primary: accept || revote, secondary: accept ? [revote, reasons] : [reasons] };
}

function button(action, label, onclick, classes = "") {
  return h("button", { type: "button", class: classes, "data-action": action, onclick }, label);
}

async function goNext(next) {
  selected = next;
  if (detail(next).status === "pending" && state.status === "running") await act(EVENTS.OPEN, { practice: next });
  else if (state.status === "running" && detail(next).status === "open") await act(EVENTS.OPEN, { practice: next });
  render();
  document.querySelector(`[data-practice-item="${CSS.escape(next)}"]`)?.scrollIntoView({ block: "nearest" });
}

// --- rendering -------------------------------------------------------------------------------------
// The page is rebuilt from each state; what the facilitator is typing, which disclosures are
// open and where the focus is must survive that (a timer, an automatic reveal or a second device
// can send a new state at any moment).
const drafts = {}; // element id -> value typed and not yet sent
const openDetails = new Set(); // data-keep-open keys of <details> the facilitator opened
root.addEventListener("input", (event) => {
  if (event.target.id && event.target.type !== "checkbox") drafts[event.target.id] = event.target.value;
});
root.addEventListener("toggle", (event) => {
  const key = event.target.dataset && event.target.dataset.keepOpen;
  if (key) (event.target.open ? openDetails.add(key) : openDetails.delete(key));
}, true);

function sent(...ids) {
  for (const id of ids) delete drafts[id];
}

function render() {
  if (!state || !framework) return;
  renderPeople();
  document.title = `${state.title} · Facilitate ${code}`;
  const active = document.activeElement;
  const focusedAction = active && active.dataset ? active.dataset.action : null;
  const focusedItem = active && active.dataset ? active.dataset.practiceItem : null;
  const focusedField = active && active.id && root.contains(active) && "value" in active
    ? { id: active.id, start: active.selectionStart, end: active.selectionEnd } : null;
  const closed = state.status === "closed";
  replace(root,
    headerCard(),
    closed ? verdictCard() : null,
    state.status === "running" && (!state.practices.some((p) => p.status !== "pending") || preworkOpen()) ? joinCard() : null,
    preworkCard(),
    organizationKeyCard(),
    h("div", { class: "host-grid" },
      h("aside", { class: "card", "aria-label": "Practices" }, practiceList()),
      h("div", { class: "stack" },
        h("section", { class: "card", "aria-labelledby": "detail-heading", "data-detail": selected }, practiceDetail(selected)),
        h("section", { class: "card" }, tabs()),
        afterCard())));
  for (const [id, value] of Object.entries(drafts)) {
    const field = document.getElementById(id);
    if (field) field.value = value;
  }
  for (const details of root.querySelectorAll("details[data-keep-open]")) {
    details.open = openDetails.has(details.dataset.keepOpen);
  }
  if (focusedField && document.getElementById(focusedField.id)) {
    const field = document.getElementById(focusedField.id);
    field.focus();
    if (typeof focusedField.start === "number" && field.setSelectionRange) {
      try { field.setSelectionRange(focusedField.start, focusedField.end); } catch { /* selects have no caret */ }
    }
  } else if (focusedItem) document.querySelector(`[data-practice-item="${CSS.escape(focusedItem)}"]`)?.focus();
  else if (focusedAction) document.querySelector(`[data-action="${CSS.escape(focusedAction)}"]`)?.focus();
  countdown.paint();
}

function renderPeople() {
  const count = people();
  const most = state.settings.max_participants;
  const full = count.joined >= most;
  // the room's size shows once it is nearly reached: the facilitator can make room in time
  $("[data-people]").textContent = `${count.present} here · ${count.joined}${count.joined >= 0.8 * most ? ` of ${most}` : ""} joined${full ? " (full)" : ""}`;
  $("[data-people]").dataset.full = String(full);
  const sizeField = $("[data-max-participants]");
  if (document.activeElement !== sizeField) sizeField.value = String(most);
  for (const element of document.querySelectorAll("[data-present]")) element.textContent = String(count.present);
  for (const element of document.querySelectorAll("[data-joined]")) element.textContent = String(count.joined);
}

function headerCard() {
  const closed = state.status === "closed";
  return h("section", { class: "card" },
    h("div", { class: "row", style: "justify-content:space-between" },
      h("div", {},
        h("h1", { style: "margin:0" }, state.title),
        h("p", { class: "muted", style: "margin:0" },
          [state.organization, state.team, framework.name, `code ${code}`].filter(Boolean).join(" · "))),
      h("span", { class: "row" },
        h("span", { class: "state-pill", "data-session-status": state.status }, closed ? "Closed" : "Running"),
        closed ? null : h("button", { type: "button", class: "danger no-print", "data-action": "close", onclick: confirmClose }, "Close session…"))),
    aboutFramework(),
    closed ? h("p", { style: "margin:0.75rem 0 0" }, "This session is closed and read-only.") :
      h("div", { class: "toolbar session-toolbar", role: "toolbar", "aria-label": "Session actions" },
        h("button", { type: "button", "data-action": "open-all", onclick: () => act(EVENTS.OPEN, { practice: ALL }) },
          "Open all (self-paced)"),
        h("button", { type: "button", "data-action": "reveal-all", disabled: preworkOpen() || null,
          title: preworkOpen() ? "Pre-work is open: close it first" : null,
          onclick: () => act(EVENTS.REVEAL, { practice: ALL }) }, "Reveal all open"),
        h("label", { class: "row inline-check" },
          h("input", { type: "checkbox", "data-action": "auto-reveal", checked: state.settings.auto_reveal || null,
            onchange: (event) => act(EVENTS.SETTINGS, { auto_reveal: event.target.checked }) }),
          "Reveal when everyone present has voted"),
        timerControls()));
}

function aboutFramework() {
  const rule = framework.placement;
  return h("details", { class: "small about-framework", "data-keep-open": "about-framework", "data-about-framework": "" },
    h("summary", {}, "About this framework: how it places the organisation, and the judgements made"),
    h("p", {}, h("strong", {}, MODE_WORDS[rule.mode] || rule.mode),
      rule.source ? [" The article: \u201c", rule.source, "\u201d"] : null),
    framework.notes ? h("p", { "data-framework-notes": "" }, framework.notes) : null,
    framework.cautions.map((caution) => h("p", { class: "caution" }, h("strong", {}, "Caution: "), caution.text)),
    h("p", { class: "muted" }, `Source: ${framework.reference.author}, \u201c${framework.reference.title}\u201d (${framework.reference.published}).`));
}

/** A new organisation's key, shown once on this device until the facilitator says it is kept. */
function organizationKeyCard() {
  const created = readStorage(STORAGE.newOrganization(code));
  if (!created) return null;
  const status = h("span", { class: "small muted", role: "status", "data-copy-status": "" });
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.key);
      status.textContent = "Copied.";
    } catch {
      status.textContent = "Select the key and copy it.";
    }
  };
  const kept = () => {
    writeStorage(STORAGE.newOrganization(code), null);
    render();
  };
  return h("section", { class: "card org-created no-print", "data-organization-created": "", "aria-labelledby": "org-created-heading" },
    h("h2", { id: "org-created-heading" }, "New organisation: ", created.name),
    h("p", {}, "Its key, shown only here: ", h("code", { class: "key-value", "data-created-key": "" }, created.key)),
    h("p", { class: "small" }, "This browser keeps it. Keep a copy somewhere safe: on another device you need it to open the organisation's page, with its assessments over time, and to start its next assessment."),
    h("div", { class: "row" },
      h("button", { type: "button", "data-action": "copy-organization-key", onclick: copy }, "Copy the key"),
      h("a", { class: "button", href: created.url, target: "_blank", rel: "noopener", "data-organization-page": "" }, "Organisation page"),
      h("button", { type: "button", "data-action": "organization-key-kept", onclick: kept }, "I have kept it"),
      status));
}

function joinCard() {
  return h("section", { class: "card join-panel", "data-join-card": "" },
    h("h2", {}, "Invite the room"),
    h("div", { class: "row", style: "justify-content:center;gap:2rem" },
      h("img", { src: `/qr/${code}.svg`, alt: `QR code that opens ${joinUrl}` }),
      h("div", { class: "stack", style: "text-align:left" },
        h("p", { style: "margin:0" }, "Scan the QR code, or open"),
        h("p", { style: "margin:0" }, h("strong", {}, joinUrl.replace(/\/join\/.*/, ""))),
        h("p", { style: "margin:0" }, "and type the code"),
        h("div", { class: "code", "data-code": "" }, code),
        h("p", { class: "small muted" }, h("span", { "data-joined": "" }, String(people().joined)), " joined so far. Open a practice when people have joined; the join info stays one click away (Join info, or the q key)."))));
}

// --- pre-work -----------------------------------------------------------------------------------------
const MOMENT = new Intl.DateTimeFormat(undefined, {
  weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit", timeZoneName: "short",
});
let invitation = null; // {subject, text} once fetched

function preworkOpen() {
  return Boolean(state.prework) && state.prework.status === "open";
}

/** A datetime-local value ("2025-03-14T17:00", this device's time) as ISO 8601 with its offset. */
function withOffset(value) {
  const date = new Date(value);
  if (!value || Number.isNaN(date.getTime())) return null;
  const minutes = -date.getTimezoneOffset();
  const pad = (n) => String(Math.floor(Math.abs(n))).padStart(2, "0");
  return `${value.length === 16 ? `${value}:00` : value}${minutes >= 0 ? "+" : "-"}${pad(minutes / 60)}:${pad(minutes % 60)}`;
}

/** An ISO moment as a datetime-local value in this device's time zone. */
function localInput(iso) {
  const date = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function later(iso, days) {
  return localInput(new Date(new Date(iso).getTime() + days * 86400000).toISOString());
}

async function schedulePrework(deadlineField, workshopField, minutesField) {
  const deadline = withOffset(deadlineField.value);
  if (!deadline) {
    deadlineField.setAttribute("aria-invalid", "true");
    deadlineField.focus();
    return alertUser("Choose the date and time pre-work closes.");
  }
  const payload = { deadline };
  if (workshopField) {
    payload.workshop_at = workshopField.value ? withOffset(workshopField.value) : null;
    if (minutesField && minutesField.value) payload.workshop_minutes = Number(minutesField.value);
  }
  const ack = await act(EVENTS.PREWORK, payload);
  if (ack && ack.ok) {
    sent(deadlineField.id, workshopField && workshopField.id, minutesField && minutesField.id);
    invitation = null;
    announce("Pre-work is open until " + MOMENT.format(new Date(deadline)) + ".");
    render();
  }
}

function scheduleFields(prefix, prework) {
  const deadline = h("input", { type: "datetime-local", id: `${prefix}-deadline`, required: true, "data-prework-deadline-input": "",
    value: prework ? later(prework.deadline, 1) : later(new Date().toISOString(), 7).slice(0, 11) + "17:00" });
  const workshop = h("input", { type: "datetime-local", id: `${prefix}-workshop`, "data-prework-workshop-input": "",
    value: prework && prework.workshop_at ? localInput(prework.workshop_at) : "" });
  const minutes = h("input", { type: "number", id: `${prefix}-minutes`, min: 15, max: 480, step: 15, inputmode: "numeric",
    value: prework ? prework.workshop_minutes : 60, "data-prework-minutes-input": "" });
  return { deadline, workshop, minutes };
}

async function fetchInvitation(status) {
  const response = await fetch(`/api/sessions/${code}/invitation`, { headers: { Authorization: `Bearer ${token}` } }).catch(() => null);
  if (!response || !response.ok) {
    status.textContent = "The invitation could not be loaded: check the connection.";
    return null;
  }
  invitation = await response.json();
  return invitation;
}

async function copyInvitation(status) {
  const found = invitation || await fetchInvitation(status);
  if (!found) return;
  render();
  const text = `${found.subject}\n\n${found.text}`;
  try {
    await navigator.clipboard.writeText(text);
    $("[data-invitation-status]").textContent = "Copied: paste it into an e-mail or a chat.";
  } catch {
    const area = $("[data-invitation-text]");
    if (area) {
      area.focus();
      area.select();
    }
    $("[data-invitation-status]").textContent = "Selected: copy it with your device's copy command.";
  }
}

function preworkCounts(prework) {
  const counts = tally && tally.prework ? tally.prework : prework;
  return h("p", { class: "prework-counts", "data-prework-counts": "" },
    h("span", { class: "big-number", "data-prework-started": "" }, String(counts.started)), " started · ",
    h("span", { class: "big-number", "data-prework-finished": "" }, String(counts.finished)), ` finished all ${prework.practices} practices · `,
    h("span", { class: "muted" }, "invited: you know, the app doesn't"));
}

function answersPerPractice() {
  return h("details", { class: "small", "data-keep-open": "prework-answers", "data-prework-answers": "" },
    h("summary", {}, "Answers per practice (how many, never which)"),
    h("ol", { class: "answers-per-practice", tabindex: "0", "aria-label": "Answers per practice" }, order.map((id) => h("li", {},
      h("span", { class: "truncate" }, `${info[id].position}. ${info[id].practice.text}`), " ",
      h("strong", { "data-votes-for": id }, String(votesIn(id)))))));
}

function invitationBlock() {
  const status = h("span", { class: "small", role: "status", "data-invitation-status": "" });
  const calendarStatus = h("span", { class: "small", role: "status" });
  return h("div", { class: "stack" },
    h("div", { class: "row" },
      h("button", { type: "button", "data-action": "copy-invitation", onclick: () => copyInvitation(status) }, "Copy the invitation"),
      h("button", { type: "button", "data-action": "download-ics",
        onclick: () => download(`/api/sessions/${code}/prework.ics`, token, calendarStatus, `cx-prework-${code}.ics`) },
      "Download the calendar file (.ics)"),
      status, calendarStatus),
    invitation ? h("details", { class: "small", open: true, "data-invitation": "" },
      h("summary", {}, "The invitation text"),
      h("label", { for: "invitation-text", class: "visually-hidden" }, "Invitation text"),
      h("textarea", { id: "invitation-text", rows: 12, readonly: true, "data-invitation-text": "" }, `${invitation.subject}\n\n${invitation.text}`)) : null);
}

function preworkCard() {
  const prework = state.prework;
  const revealed = state.practices.some((practice) => practice.rounds.some((round) => round.revealed));
  if (state.status !== "running") return null;
  if (!prework) {
    if (revealed) return null;
    const fields = scheduleFields("start", null);
    return h("section", { class: "card prework-panel", "data-prework-panel": "none", "aria-labelledby": "prework-heading" },
      h("details", { "data-keep-open": "prework-start" },
        h("summary", {}, h("h2", { id: "prework-heading", style: "display:inline" }, "Pre-work before the room"), h("span", { class: "muted small" }, " optional")),
        h("div", { class: "stack" },
          h("p", { class: "small" }, "Send the join link before the workshop: people answer every practice at their desk, at their own pace, until a deadline. Nothing is revealed until you reveal it in the room; there you accept what the group already agrees on and spend the hour on what divides it."),
          h("div", { class: "row", style: "align-items:end" },
            h("div", { class: "field" }, h("label", { for: fields.deadline.id }, "Pre-work closes ", h("span", { class: "hint" }, "(your time zone)")), fields.deadline),
            h("div", { class: "field" }, h("label", { for: fields.workshop.id }, "Workshop starts ", h("span", { class: "hint" }, "(optional)")), fields.workshop),
            h("div", { class: "field" }, h("label", { for: fields.minutes.id }, "Minutes"), fields.minutes)),
          h("div", {}, h("button", { type: "button", class: "primary", "data-action": "start-prework",
            onclick: () => schedulePrework(fields.deadline, fields.workshop, fields.minutes) }, "Start pre-work")))));
  }
  const deadline = MOMENT.format(new Date(prework.deadline));
  if (prework.status === "open") {
    const fields = scheduleFields("extend", prework);
    return h("section", { class: "card stack prework-panel", "data-prework-panel": "open", "aria-labelledby": "prework-heading" },
      h("h2", { id: "prework-heading" }, "Pre-work is open"),
      h("p", { style: "margin:0" }, "Until ", h("strong", { "data-prework-until": "" }, deadline),
        prework.workshop_at ? [" · workshop ", MOMENT.format(new Date(prework.workshop_at))] : null),
      preworkCounts(prework),
      answersPerPractice(),
      invitationBlock(),
      h("details", { class: "small", "data-keep-open": "prework-extend" },
        h("summary", {}, "Extend or close"),
        h("div", { class: "row", style: "align-items:end" },
          h("div", { class: "field" }, h("label", { for: fields.deadline.id }, "New deadline"), fields.deadline),
          h("div", { class: "field" }, h("label", { for: fields.workshop.id }, "Workshop starts"), fields.workshop),
          h("button", { type: "button", "data-action": "extend-prework", onclick: () => schedulePrework(fields.deadline, fields.workshop, fields.minutes) }, "Set the new deadline"),
          h("button", { type: "button", class: "danger", "data-action": "close-prework", onclick: () => $("[data-prework-close-dialog]").showModal() }, "Close pre-work now…"))));
  }
  const closedAt = MOMENT.format(new Date(prework.closed_at || prework.deadline));
  const toAccept = state.agreed_to_accept || [];
  const divided = state.queue.filter((id) => !detail(id).decision && DIVIDED.has(detail(id).label));
  return h("section", { class: "card stack prework-panel", "data-prework-panel": revealed ? "revealed" : "closed", "aria-labelledby": "prework-heading" },
    h("h2", { id: "prework-heading" }, revealed ? "Pre-work results" : "Pre-work is closed"),
    h("p", { style: "margin:0" }, `${prework.closed_early ? "Closed early on" : "Closed on"} ${closedAt}.`),
    preworkCounts(prework),
    revealed ? null : h("div", { class: "row" },
      h("button", { type: "button", class: "primary", "data-action": "reveal-prework", onclick: () => act(EVENTS.REVEAL, { practice: ALL }) },
        "Reveal the pre-work results"),
      h("span", { class: "small muted" }, "Do it in the room: every phone and the projector show the results at once.")),
    revealed && toAccept.length ? h("div", { class: "row" },
      h("button", { type: "button", class: "primary", "data-action": "accept-agreed", onclick: confirmAccept },
        `Accept the ${toAccept.length} agreed practice${toAccept.length === 1 ? "" : "s"}…`),
      h("span", { class: "small muted" }, "You see the list first.")) : null,
    revealed ? h("p", { class: "small", "data-prework-divided": "" }, divided.length
      ? `${divided.length} practice${divided.length === 1 ? "" : "s"} divide${divided.length === 1 ? "s" : ""} the group: the discussion queue lists ${divided.length === 1 ? "it" : "them"} first. Discuss, then re-vote: the room's round is measured against pre-work.`
      : "No divided practice is left to discuss.") : null,
    revealed ? null : h("details", { class: "small", "data-keep-open": "prework-reopen" },
      h("summary", {}, "Reopen with a new deadline"),
      (() => {
        const fields = scheduleFields("reopen", prework);
        return h("div", { class: "row", style: "align-items:end" },
          h("div", { class: "field" }, h("label", { for: fields.deadline.id }, "New deadline"), fields.deadline),
          h("button", { type: "button", "data-action": "reopen-prework", onclick: () => schedulePrework(fields.deadline, null, null) }, "Reopen pre-work"));
      })()));
}

function confirmAccept() {
  const ids = state.agreed_to_accept || [];
  const dialog = $("[data-accept-dialog]");
  dialog.dataset.practices = JSON.stringify(ids);
  replace($("[data-accept-list]"), ids.map((id) => h("li", { "data-accept-item": id },
    `${info[id].position}. ${info[id].practice.text} `, levelChip(detail(id).computed_level, names(id)(detail(id).computed_level)))));
  dialog.returnValue = "";
  dialog.showModal();
}

$("[data-accept-dialog]").addEventListener("close", async (event) => {
  if (event.target.returnValue !== "accept") return;
  const practices = JSON.parse(event.target.dataset.practices || "[]");
  const ack = await act(EVENTS.ACCEPT_AGREED, { practices });
  if (ack && ack.ok) announce(`${ack.accepted.length} agreed practices recorded.`);
});
$("[data-prework-close-dialog]").addEventListener("close", (event) => {
  if (event.target.returnValue === "close") act(EVENTS.PREWORK, { deadline: null });
});

function roomIsVoting() {
  return Boolean(state.current) && detail(state.current).status === "open";
}

function timerControls() {
  // the same elements in every state, so starting or stopping a countdown never moves the toolbar
  const voting = roomIsVoting();
  return h("span", { class: "row timer-controls", role: "group", "aria-label": "Countdown" },
    h("span", { class: "small muted" }, "Timer:"),
    [30, 60, 120].map((seconds) => h("button", {
      type: "button", "data-action": `timer-${seconds}`, disabled: !voting || null,
      title: voting ? "Reveals the practice the room is voting on when it ends" : "Open a practice for the room first",
      onclick: () => act(EVENTS.TIMER, { seconds }),
    }, seconds < 60 ? `${seconds}s` : `${seconds / 60} min`)),
    h("button", { type: "button", "data-action": "timer-stop", disabled: !state.timer || null, onclick: () => act(EVENTS.TIMER, {}) }, "Stop"),
    h("span", { class: "timer", "data-timer": "", "aria-live": "off" }));
}

function practiceList() {
  const sections = framework.stages.map((stage) => [
    h("h3", { class: "stage-name" }, stage.name),
    stage.practices.length ? h("ul", { class: "practice-list" }, stage.practices.map((practice) => listItem(practice.id)))
      : h("p", { class: "small muted" }, "No practices: every organisation starts here."),
  ]);
  if (framework.stage_vote) {
    sections.push([h("h3", { class: "stage-name" }, "Stage vote"), h("ul", { class: "practice-list" }, listItem(framework.stage_vote.id))]);
  }
  return h("nav", { "aria-label": "Practices" },
    h("h2", {}, "Practices"),
    h("p", { class: "small muted", style: "margin:0" },
      `${state.progress.revealed} revealed · ${state.progress.consolidated} recorded · ${state.progress.total} in all`),
    sections);
}

function listItem(id) {
  const row = detail(id);
  return h("li", {}, h("button", {
    type: "button", class: "practice-item", "data-practice-item": id, "data-status": row.status,
    "aria-current": String(id === selected), onclick: () => select(id),
  },
  h("span", { class: "num" }, `${info[id].position}.`),
  h("span", { class: "text" }, info[id].practice.text),
  h("span", { class: "marker" }, statusMarker(row))));
}

function statusMarker(row) {
  if (row.decision) return [h("span", { class: "tick", "aria-label": "recorded" }, "✓ "), practiceLevel(row, names(row.id))];
  if (row.status === "revealed" && row.result) return labelBadge(row.result.label);
  if (row.status === "open") {
    return h("span", { class: "state-pill", "data-status": "open" },
      h("span", { "data-votes-for": row.id }, String(votesIn(row.id))), " in");
  }
  return h("span", { class: "state-pill", "data-status": row.status }, row.status === "pending" ? "Not opened" : row.status);
}

function practiceDetail(id) {
  const row = detail(id);
  const { practice, stage, position, kind } = info[id];
  const closed = state.status === "closed";
  const parts = [
    h("p", { class: "practice-meta" },
      [kind === "stage_vote" ? "Stage vote" : `Practice ${position} of ${state.total_practices}`, stage ? stage.name : null,
        row.round ? `round ${row.round}` : null, state.current === id ? "the room is on this practice" : null].filter(Boolean).join(" · ")),
    h("h2", { id: "detail-heading", tabindex: "-1" }, practice.text),
    practice.hint ? h("p", { class: "small hint-box", "data-hint": "" }, h("strong", {}, "For you: "), practice.hint) : null,
    practice.inferred ? h("p", { class: "small inferred", "data-inferred": "" }, h("strong", {}, "Inferred: "), practice.inferred) : null,
    h("p", { class: "small muted" }, "Source: \u201c", practice.source, "\u201d"),
  ];
  if (!closed) {
    const step = runOfShow(row);
    parts.push(h("div", { class: "next-step", "data-next-step": "" },
      step.primary ? (step.primary.classList.add("primary"), step.primary) : null,
      step.secondary.filter(Boolean)));
  }
  if (row.status === "pending" && closed) parts.push(h("p", {}, "This practice was not rated."));
  if (row.status === "open") {
    parts.push(h("p", { class: "row", style: "align-items:baseline" },
      h("span", { class: "votes-in", "data-votes-for": id, "data-noun": "answer" }, counted(votesIn(id), "answer")),
      h("span", {}, " in · ", h("span", { "data-present": "" }, String(people().present)), " here now")),
      h("p", { class: "muted small" }, "Results stay hidden from everyone, you included, until you reveal them."));
  }
  const rounds = row.rounds.filter((round) => round.result);
  if (rounds.length) parts.push(resultSection(row, rounds, closed));
  return parts;
}

function resultSection(row, rounds, closed) {
  const round = rounds[rounds.length - 1];
  const result = round.result;
  const before = rounds.length > 1 ? { ...rounds[rounds.length - 2].result, round: rounds[rounds.length - 2].number } : null;
  const name = names(row.id);
  const between = result.between_levels;
  const figures = [
    ["Rated", String(result.voters), "People who chose an answer"],
    ["Don't know", `${result.abstaining}${result.abstaining_share !== null ? ` (${percent(result.abstaining_share)})` : ""}`, "Abstentions: reported, never counted as Missing"],
    ["Median", between ? `${name(result.median_low)}–${name(result.median_high)}` : (result.median_low ? name(result.median_low) : "–"), "Lower and upper median of the rated votes"],
    ["Consensus (Cns)", decimal(result.consensus), "Tastle & Wierman: 1 = everyone on one level, 0 = split between the ends"],
    ["Agreement (rwg)", decimal(result.rwg), "James, Demaree & Wolf: 1 - variance / variance of random answers; 0.70+ is strong"],
    ["Polarisation", decimal(result.polarisation), "van der Eijk: 0 = unimodal, 0.5 = uniform, 1 = two opposite camps"],
    ["On one level", percent(result.mode_share), "Share of votes at the most chosen answer (Delphi percent agreement)"],
    ["On two neighbours", result.adjacent_pair ? `${percent(result.adjacent_share)}` : "–", result.adjacent_pair ? `Share on ${name(result.adjacent_pair[0])} and ${name(result.adjacent_pair[1])}` : ""],
    ["IQR", decimal(result.iqr, 1), "Interquartile range of the ranks (type 7 quartiles)"],
  ];
  const earlierPolarised = rounds.slice(0, -1).find((item) => item.result.label === "polarised");
  return h("div", { class: "stack", "data-result": row.id },
    h("h3", { style: "margin:0" }, `Round ${round.number} results`),
    verdict(result),
    earlierPolarised && result.label !== "polarised"
      ? h("p", { class: "small", "data-was-polarised": "" }, `Round ${earlierPolarised.number} was polarised.`) : null,
    distributionChart(result, { options: info[row.id].options, previous: before }),
    row.shift ? h("p", { "data-shift": row.shift.kind }, h("strong", {}, `Since round ${row.shift.from_round}: `), row.shift.description) : null,
    h("details", { class: "small", "data-keep-open": `figures-${row.id}`, "data-statistics": "" },
      h("summary", {}, "Statistics (consensus, r_wg, polarisation, IQR…)"),
      h("div", { class: "figures" }, figures.map(([label, value, title]) =>
        h("div", { class: "figure", title }, h("div", { class: "value" }, value), h("div", { class: "name" }, label))))),
    segmentsTable(row, round, row.gap),
    reasonsBlock(row.id, round.number),
    consolidation(row, result, closed));
}

function segmentsTable(row, round, gap) {
  const segments = round.segments || [];
  if (!segments.length && !(round.hidden_segments || []).length) return null;
  const spotlighted = state.spotlight && state.spotlight.practice === row.id && state.spotlight.show_segments;
  return h("div", {},
    h("h4", {}, "By segment"),
    segments.length ? h("table", {},
      h("thead", {}, h("tr", {}, h("th", {}, "Segment"), h("th", { class: "number" }, "Rated"), h("th", {}, "Median"), h("th", { class: "number" }, "Mean"), h("th", {}, "Agreement"))),
      h("tbody", {}, segments.map((result) => h("tr", {}, h("td", {}, result.segment), h("td", { class: "number" }, String(result.voters)),
        h("td", {}, result.median_low ? levelChip(result.median_low, names(row.id)(result.median_low)) : "–"), h("td", { class: "number" }, decimal(result.mean)),
        h("td", {}, labelBadge(result.label)))))) : null,
    gap ? h("p", { class: "small" }, `Largest perception gap: ${gap.highest} rates this ${decimal(gap.gap)} levels higher than ${gap.lowest} on average.`) : null,
    round.hidden_segments.length ? h("p", { class: "small muted" },
      `Not shown, so nobody can be singled out: ${round.hidden_segments.join(", ")} (a segment is shown only with ${state.settings.min_segment_size} or more people who rated, not all with the same answer, and without giving away another group by subtraction).`) : null,
    segments.length && state.status === "running" ? h("button", { type: "button", "data-action": "spotlight-segments",
      onclick: () => act(EVENTS.SPOTLIGHT, spotlighted ? {} : { practice: row.id, show_segments: true }) },
    spotlighted ? "Hide the segments from the projector" : "Show the segments on the projector") : null);
}

function reasonsBlock(id, roundNumber) {
  const key = `${id}:${roundNumber}`;
  const cached = reasonsCache[key];
  const container = h("div", { "data-reasons": id });
  if (!cached) {
    container.append(h("button", { type: "button", "data-action": "load-reasons", onclick: async () => {
      const ack = await connection.request(EVENTS.REASONS, { practice: id, round: roundNumber });
      if (!ack.ok) return alertUser(ack.message);
      reasonsCache[key] = ack.reasons;
      render();
    } }, "Read the reasons given"));
    return container;
  }
  container.append(h("h4", {}, `Reasons given (${cached.length}), without names`),
    cached.length ? h("ul", { class: "reasons" }, cached.map((reason) => h("li", {}, levelChip(reason.level, names(id)(reason.level)), " ", reason.note)))
      : h("p", { class: "muted" }, "Nobody gave a reason."));
  return container;
}

function consolidation(row, result, closed) {
  const decision = row.decision;
  const name = names(row.id);
  const options = info[row.id].options;
  const proposed = result.computed_level;
  const current = decision ? h("p", { "data-decision": decision.level },
    h("strong", {}, "Recorded: "), practiceLevel(row, name),
    decision.overridden ? "" : " (the computed level)",
    decision.note ? h("span", { class: "small" }, ` Note: ${decision.note}`) : null) : null;
  if (closed) return h("div", {}, current || h("p", { class: "muted" }, "Not recorded."));
  const latestRound = row.rounds[row.rounds.length - 1];
  if (!latestRound.revealed) return h("p", { class: "muted small" }, "A new round is open: reveal it to record the level.");
  if (decision && !changing.has(row.id)) return h("div", { class: "consolidation" }, current);
  const select = h("select", { id: `override-${row.id}`, "data-override-level": "" },
    options.map((option) => h("option", { value: option.value, selected: (decision ? decision.level : proposed) === option.value || null }, option.label)));
  const note = h("input", { type: "text", id: `override-note-${row.id}`, maxlength: LIMITS.note, "data-override-note": "",
    value: decision && decision.note ? decision.note : "" });
  return h("div", { class: "stack consolidation" },
    h("h4", { style: "margin:0" }, decision ? "Change the recorded level" : "Record the group's level"),
    current,
    h("p", { class: "small muted" }, proposed ? `The votes propose ${name(proposed)}${result.between_levels ? " (the lower of the two middle answers)" : ""}.` : "No rated votes: choose a level."),
    h("div", { class: "row", style: "align-items:end" },
      h("div", {}, h("label", { for: select.id }, "Level"), select),
      h("div", { style: "flex:1;min-width:12rem" }, h("label", { for: note.id }, "Why ", h("span", { class: "hint" }, "(needed when it differs from the votes; recorded beside them)")), note),
      h("button", { type: "button", "data-action": "record", onclick: async () => {
        const text = note.value.trim();
        if (select.value !== proposed && !text) {
          note.setAttribute("aria-invalid", "true");
          note.focus();
          return alertUser("Say why the group's level differs from the votes: the note is recorded beside it.");
        }
        const ack = await act(EVENTS.CONSOLIDATE, { practice: row.id, level: select.value, ...(text ? { note: text } : {}) });
        if (ack && ack.ok) {
          sent(select.id, note.id);
          changing.delete(row.id);
          render();
        }
      } }, "Record"),
      decision ? h("button", { type: "button", "data-action": "cancel-change", onclick: () => { changing.delete(row.id); render(); } }, "Keep it") : null));
}

function tabs() {
  const labels = { queue: "Discussion queue", placement: "Placement", all: "All results" };
  const list = h("div", { class: "tabs", role: "tablist", "aria-label": "Session results" },
    Object.entries(labels).map(([key, label]) => h("button", {
      type: "button", role: "tab", id: `tab-${key}`, "aria-selected": String(tab === key), "aria-controls": "tab-panel",
      tabindex: tab === key ? "0" : "-1", "data-tab": key,
      onclick: () => { tab = key; render(); document.getElementById(`tab-${key}`).focus(); },
      onkeydown: (event) => {
        const keys = Object.keys(labels);
        const position = keys.indexOf(key);
        if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
          tab = keys[(position + (event.key === "ArrowRight" ? 1 : keys.length - 1)) % keys.length];
          render();
          document.getElementById(`tab-${tab}`).focus();
        }
      },
    }, label)));
  const panel = h("div", { role: "tabpanel", id: "tab-panel", "aria-labelledby": `tab-${tab}`, tabindex: "0" },
    tab === "queue" ? queuePanel() : tab === "placement" ? placementPanel() : allPanel());
  return [list, panel];
}

function afterCard() {
  const closed = state.status === "closed";
  const status = h("span", { class: "small", role: "status", "data-download-status": "" });
  const notes = h("textarea", { id: "session-notes", maxlength: LIMITS.session_notes, rows: 3, "data-notes": "", disabled: closed || null }, state.notes || "");
  return h("section", { class: "card stack", "aria-labelledby": "after-heading", "data-after": "" },
    h("h2", { id: "after-heading" }, closed ? "Summary and next steps" : "Summary"),
    h("div", { class: "field" },
      h("label", { for: "session-notes" }, "Facilitator's notes ", h("span", { class: "hint" }, "(printed in the summary; not shown to participants)")),
      notes,
      closed ? null : h("button", { type: "button", "data-action": "save-notes", style: "margin-top:0.4rem",
        onclick: async () => {
          const ack = await act(EVENTS.NOTES, { notes: notes.value });
          if (ack && ack.ok) {
            sent("session-notes");
            announce("Notes saved.");
          }
        } }, "Save notes")),
    h("div", { class: "row" }, h("span", {}, "Download the summary:"),
      FORMATS.map(([format, label]) => h("button", { type: "button", "data-download": format,
        onclick: () => downloadSummary(code, format, token, status) }, label)), status),
    closed ? h("div", { class: "row" },
      h("a", { class: "button primary", href: `/new?from=${code}`, "data-action": "follow-up" }, "Start the next assessment"),
      state.organization ? h("a", { class: "button", href: `/org/${encodeURIComponent(state.organization)}` }, `${state.organization}: progress over time`) : null,
      h("button", { type: "button", class: "danger", "data-action": "delete", onclick: confirmDelete }, "Delete this session…")) : null);
}

async function confirmDelete() {
  const headers = { Authorization: `Bearer ${token}` };
  const preview = await fetch(`/api/sessions/${code}?dry_run=true`, { method: "DELETE", headers }).then((r) => r.json()).catch(() => null);
  if (!preview || preview.error) return alertUser((preview && preview.message) || "The server cannot be reached.");
  const dialog = $("[data-delete-dialog]");
  $("[data-delete-message]").textContent = preview.message;
  dialog.returnValue = "";
  dialog.showModal();
}

$("[data-delete-dialog]").addEventListener("close", async (event) => {
  if (event.target.returnValue !== "delete") return;
  const response = await fetch(`/api/sessions/${code}`, { method: "DELETE", headers: { Authorization: `Bearer ${token}` } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) return alertUser(body.message || "The session could not be deleted.");
  writeStorage(STORAGE.facilitator(code), null);
  writeStorage(STORAGE.presenter(code), null);
  writeStorage(STORAGE.newOrganization(code), null);
  writeStorage(STORAGE.sessions, readStorage(STORAGE.sessions, []).filter((item) => item.code !== code));
  window.location.assign("/");
});

function queuePanel() {
  if (!state.queue.length) return h("p", { class: "muted" }, "Practices appear here once revealed, the most divided first.");
  const todo = state.queue.filter((id) => !detail(id).decision);
  const done = state.queue.filter((id) => detail(id).decision);
  const item = (id) => {
    const row = detail(id);
    const result = row.result;
    const polarisedBefore = row.rounds.slice(0, -1).find((round) => round.result && round.result.label === "polarised");
    return h("li", { class: "queue-item", "data-queue-item": id, "data-done": String(Boolean(row.decision)) },
      h("button", { type: "button", class: "link queue-text", onclick: () => select(id) },
        row.decision ? h("span", { class: "tick", "aria-hidden": "true" }, "✓ ") : null, `${info[id].position}. ${info[id].practice.text}`),
      h("span", { class: "row queue-facts" }, labelBadge(result.label),
        polarisedBefore && result.label !== "polarised" ? h("span", { class: "small muted" }, `polarised in round ${polarisedBefore.number}`) : null,
        row.decision ? practiceLevel(row, names(id)) : null));
  };
  return h("div", { class: "stack" },
    todo.length ? h("ol", { class: "reasons", "data-queue": "" }, todo.map(item)) : h("p", { class: "muted" }, "Every revealed practice is recorded."),
    done.length ? h("div", {}, h("h4", {}, `Recorded (${done.length})`), h("ul", { class: "reasons done-list", "data-queue-done": "" }, done.map(item))) : null);
}

function placementBody(placement) {
  const threshold = LEVEL_LABELS[placement.threshold];
  const vote = placement.vote;
  const listItems = (items) => h("ol", {}, items.map((item) => h("li", {},
    item.text, " ", levelChip(item.level, item.level ? `${LEVEL_LABELS[item.level]}${item.provisional ? " (provisional)" : ""}` : "not rated"),
    h("span", { class: "small muted" }, ` ${item.gap} level${item.gap === 1 ? "" : "s"} to go`))));
  return [
    h("p", { class: "headline", "data-headline": "" }, placement.headline),
    h("div", { class: "row", style: "align-items:flex-start;gap:2rem" },
      h("div", { style: "min-width:14rem" }, ladder(framework, placement)),
      h("div", { class: "stack", style: "flex:1;min-width:18rem" },
        h("p", { "data-explanation": "" }, placement.explanation),
        vote ? h("p", { class: "small", "data-stage-vote-summary": "" }, vote.stage
          ? `The room's vote: ${index.stageName(vote.stage)}${vote.provisional ? " (not yet recorded)" : ""}; the practice ratings suggest ${placement.suggested_stage_name || "no stage yet"}.`
          : "The room has not voted on its stage yet.") : null,
        placement.key_obstacle ? h("p", {}, h("strong", {}, "Key obstacle: "), placement.key_obstacle) : null,
        state.alpha !== null && state.alpha !== undefined ? h("p", { class: "small muted", title: "Krippendorff's ordinal alpha over participants and practices" },
          `Reliability across practices (Krippendorff's α): ${decimal(state.alpha)}`) : null)),
    h("h3", {}, placement.mode === "best_fit" ? "Stage profile: practices at each stage's bar" : `Stage profile: practices ${threshold} or better`),
    profileChart(placement.profile),
    placement.foundations.length ? h("div", { "data-foundations": "" }, h("h3", {}, "Foundations to check in earlier stages"), listItems(placement.foundations)) : null,
    placement.action_plan.length ? h("div", {},
      h("h3", {}, placement.mode === "profile" ? "Practices to strengthen" : placement.mode === "phase" ? `The work of ${placement.stage_name}` : `Action plan toward ${placement.next_stage_name}`),
      h("div", { "data-action-plan": "" }, listItems(placement.action_plan))) : null,
  ];
}

function placementPanel() {
  if (state.status === "closed") {
    return h("p", {}, "The final verdict leads the page: ", h("a", { href: "#verdict" }, "see it at the top"), ".");
  }
  return h("div", { class: "stack", "data-placement": state.placement.stage || "none" },
    h("p", { class: "muted small" }, state.status === "closed" ? "Final placement." :
      "Live placement from the levels so far; practices not yet recorded use their computed level (provisional)."),
    placementBody(state.placement),
    benchmarkBlock());
}

function verdictCard() {
  return h("section", { class: "card stack verdict-card", id: "verdict", tabindex: "-1", "data-verdict-card": "", "data-placement": state.placement.stage || "none" },
    h("h2", {}, "The verdict"), placementBody(state.placement), benchmarkBlock());
}

function benchmarkBlock() {
  if (!benchmark || benchmark.status !== state.status) {
    const asked = { status: state.status, data: null };
    benchmark = asked;
    fetch(`/api/sessions/${code}/benchmark`, { headers: { Authorization: `Bearer ${token}` } })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => {
        if (!data || benchmark !== asked) return;
        benchmark.data = data;
        if (tab === "placement" || state.status === "closed") render();
      })
      .catch(() => {});
    return null;
  }
  const data = benchmark.data;
  if (!data) return null;
  return h("div", { "data-benchmark": data.available ? "available" : "unavailable" },
    h("h3", {}, "Benchmark"),
    h("p", { class: "small" }, data.message),
    data.available ? h("table", {},
      h("thead", {}, h("tr", {}, h("th", {}, "Stage"), h("th", { class: "number" }, "This session"),
        h("th", { class: "number" }, "Others' median"), h("th", { class: "number" }, "Percentile"))),
      h("tbody", {}, data.profile.map((row) => h("tr", {}, h("td", {}, row.name),
        h("td", { class: "number" }, percent(row.share)), h("td", { class: "number" }, percent(row.peer_median)),
        h("td", { class: "number" }, row.percentile === null ? "–" : String(row.percentile)))))) : null);
}

function allPanel() {
  return heatMap(index, state.practices);
}

// --- actions ---------------------------------------------------------------------------------------
async function act(event, payload) {
  if (!connection || !connection.online) return alertUser("Not connected: the action was not sent.");
  const ack = await connection.request(event, payload);
  if (!ack.ok) alertUser(ack.message || "The action failed.");
  else {
    clearAlert();
    if (event === EVENTS.REVEAL) announce("Results revealed.");
  }
  return ack;
}

function alertUser(message) {
  const region = $("[data-alerts]");
  region.textContent = message;
  let toast = $("[data-toast]");
  if (!toast) {
    toast = h("div", { class: "card toast", "data-toast": "", role: "alert" });
    document.body.append(toast);
  }
  replace(toast, h("strong", {}, "Not done: "), message, " ",
    h("button", { type: "button", class: "link", onclick: () => toast.remove() }, "Dismiss"));
  window.clearTimeout(alertUser.timer);
  alertUser.timer = window.setTimeout(() => toast.remove(), 8000);
}

function clearAlert() {
  $("[data-toast]")?.remove();
  window.clearTimeout(alertUser.timer);
}

function select(id) {
  selected = id;
  render();
  const item = document.querySelector(`[data-practice-item="${CSS.escape(id)}"]`);
  if (item) item.focus();
}

function confirmClose() {
  const dialog = $("[data-close-dialog]");
  dialog.returnValue = "";
  dialog.showModal();
}
$("[data-close-dialog]").addEventListener("close", (event) => {
  if (event.target.returnValue === "close") act(EVENTS.CLOSE, {});
});
$("[data-action=show-join]").addEventListener("click", () => $("[data-join-dialog]").showModal());
$("[data-action=shortcuts]").addEventListener("click", () => $("[data-shortcuts-dialog]").showModal());
$("[data-roster-details]").addEventListener("toggle", async (event) => {
  if (!event.target.open || !connection) return;
  const ack = await connection.request(EVENTS.ROSTER, {});
  if (!ack.ok) return replace($("[data-roster]"), h("p", {}, ack.message));
  const here = ack.named.filter((person) => person.present);
  const away = ack.named.filter((person) => !person.present);
  replace($("[data-roster]"),
    h("p", {}, `${ack.present} here, ${ack.joined} joined; ${ack.anonymous} without a name.`),
    here.length ? h("p", { "data-roster-here": "" }, h("strong", {}, "Here: "), here.map((person) => person.name).join(", ")) : null,
    away.length ? h("p", { class: "muted" }, h("strong", {}, "Joined, now away: "), away.map((person) => person.name).join(", ")) : null);
});
$("[data-action=save-max-participants]").addEventListener("click", async () => {
  const value = Number($("[data-max-participants]").value);
  const ack = await act(EVENTS.SETTINGS, { max_participants: value });
  $("[data-room-size-status]").textContent = ack && ack.ok ? " Saved." : "";
});
$("[data-join-base]").textContent = joinUrl.replace(/\/join\/.*/, "");
$("[data-action=copy-facilitator-link]").addEventListener("click", async () => {
  const link = `${joinUrl.replace(/\/join\/.*/, "")}/host/${code}#key=${token}`;
  const status = $("[data-copy-status]");
  try {
    await navigator.clipboard.writeText(link);
    status.textContent = " Copied.";
  } catch {
    // no clipboard on plain http from another machine: show the link to copy by hand
    status.textContent = ` ${link}`;
  }
});

// --- keyboard --------------------------------------------------------------------------------------
document.addEventListener("keydown", (event) => {
  if (!state || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target.closest && target.closest("input, textarea, select, dialog[open]")) return;
  const running = state.status === "running";
  const move = (step) => {
    const position = order.indexOf(selected);
    select(order[Math.min(order.length - 1, Math.max(0, position + step))]);
  };
  const accept = () => {
    const row = detail(selected);
    if (row.decision) {
      // never replace a recorded level (an override and its note) by a key press
      return alertUser(`Already recorded as ${names(selected)(row.decision.level)}: use "Change the recorded level" to alter it.`);
    }
    return act(EVENTS.CONSOLIDATE, { practice: selected });
  };
  const next = () => {
    const row = detail(selected);
    const following = row.decision ? nextInRunOfShow(selected) : state.queue.find((id) => !detail(id).decision);
    if (following) goNext(following);
  };
  const key = event.key;
  const actions = {
    j: () => move(1), ArrowDown: () => move(1), k: () => move(-1), ArrowUp: () => move(-1),
    o: () => running && act(EVENTS.OPEN, { practice: selected }),
    r: () => running && act(EVENTS.REVEAL, { practice: selected }),
    v: () => running && act(EVENTS.REVOTE, { practice: selected }),
    c: () => running && accept(),
    t: () => running && roomIsVoting() && act(EVENTS.TIMER, { seconds: 60 }),
    n: () => running && next(),
    q: () => $("[data-join-dialog]").showModal(),
    "?": () => $("[data-shortcuts-dialog]").showModal(),
  };
  if (key === "ArrowDown" || key === "ArrowUp") {
    if (!target.closest || !target.closest("[data-practice-item]")) return;
  }
  if (actions[key]) {
    event.preventDefault();
    actions[key]();
  }
});

start();
