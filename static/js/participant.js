// The participant's phone: join with the code, answer one practice per screen, see results after a
// reveal. Answers wait in localStorage until acknowledged, so an answer made offline (or before a
// reload) is sent when the connection returns; the server keeps one vote per person and round, so
// a resend never counts twice. What happened to an answer (saving, saved, offline) is shown on the
// option the thumb just tapped. During pre-work every practice is open until a deadline (shown in
// this device's time zone); the phone offers a personal resume link to finish on another device.
import { Connection, showStatus } from "./connection.js";
import { distributionChart, practiceLevel, verdict } from "./charts.js";
import { Countdown } from "./countdown.js";
import { indexFramework } from "./framework.js";
import { EVENTS, LIMITS, STORAGE } from "./protocol.js";
import { $, announce, bootstrap, h, readStorage, replace, writeStorage } from "./dom.js";

const main = $("[data-page=participant]");
const screen = $("[data-screen]");
const pager = $("[data-pager]");
const code = main.dataset.code;

/** A resume link (/join/CODE#resume=TOKEN) makes this device the same participant: the token is
 * kept here like a token this browser got itself, and leaves the address bar at once. */
function takeResumeToken() {
  const match = window.location.hash.match(/resume=([A-Za-z0-9_-]{16,128})/);
  if (!match) return;
  writeStorage(STORAGE.participant(code), match[1]);
  history.replaceState(null, "", window.location.pathname);
}
takeResumeToken();

let token = readStorage(STORAGE.participant(code));
let pending = readStorage(STORAGE.pending(code), {}); // practice -> {level, note, round}
let joinFields = {};
let connection = null;
const framework = bootstrap().framework;
const index = framework ? indexFramework(framework) : null;
let state = null;
let myVotes = {}; // practice -> {round, level, note}
let viewing = null; // the practice shown in self-paced mode
let overview = false;
const voteStatus = {}; // practice -> {kind, text, round}
const reasonDrafts = {}; // "practice:round" -> the "why?" text typed and not yet sent
const sending = new Set();
const retries = {}; // practice -> failed attempts in a row, for the back-off
let lastRendered = null;
const countdown = new Countdown(" left");
let preworkEndsAt = null; // this device's clock when pre-work closes (from the server's "remaining")

const PRIVACY = [
  "Your name, if you give one, appears only in the facilitator's list of who joined, never next to an answer.",
  "Nobody sees any answer until the facilitator reveals the practice; then everyone sees how many chose each level.",
  "Your reason is shown without your name, sorted with the others by level and text.",
  "Results by group are shown only for groups of three or more that did not all answer the same, so no group's answer gives away a person's.",
];

// --- large text ------------------------------------------------------------------------------
const largeText = $("[data-large-text]");
function syncLargeText() {
  largeText.setAttribute("aria-pressed", String(document.documentElement.classList.contains("large-text")));
}
largeText.addEventListener("click", () => {
  const on = document.documentElement.classList.toggle("large-text");
  writeStorage(STORAGE.largeText, on ? 1 : null);
  syncLargeText();
});
syncLargeText();

// --- joining ---------------------------------------------------------------------------------

async function sessionInfo() {
  try {
    const response = await fetch(`/api/sessions/${encodeURIComponent(code)}`);
    if (response.status === 404) return { missing: true };
    if (!response.ok) return { unavailable: true };
    return await response.json();
  } catch {
    return { unavailable: true };
  }
}

function privacyNote() {
  return h("details", { class: "small privacy", "data-privacy": "" },
    h("summary", {}, "What is shown to whom"),
    h("ul", {}, PRIVACY.map((line) => h("li", {}, line))));
}

async function showJoinForm(message) {
  pager.hidden = true;
  const info = await sessionInfo();
  if (info.missing) {
    replace(screen, h("section", { class: "card stack", "data-view": "missing" },
      h("h1", {}, "No session with this code"),
      h("p", {}, `There is no session ${code}. Check the code with your facilitator.`),
      h("a", { class: "button primary", href: "/" }, "Enter another code")));
    return;
  }
  if (info.status === "closed") {
    replace(screen, h("section", { class: "card stack", "data-view": "ended" },
      h("h1", {}, info.title || "Session ended"), h("p", {}, "This session has ended; it no longer accepts new participants.")));
    return;
  }
  if (info.title) $("[data-session-name]").textContent = info.title;
  const nameInput = h("input", { type: "text", id: "name", name: "name", maxlength: LIMITS.name, autocomplete: "nickname", "data-name": "" });
  const segmentSelect = info.segments && info.segments.length
    ? h("select", { id: "segment", name: "segment", "data-segment": "" },
      h("option", { value: "" }, "Prefer not to say"),
      info.segments.map((segment) => h("option", { value: segment }, segment)))
    : null;
  const form = h("form", { class: "card stack", "data-view": "join", novalidate: true },
    h("h1", {}, info.title || `Session ${code}`),
    info.organization ? h("p", { class: "muted" }, info.organization) : null,
    info.unavailable ? h("p", { class: "error-text" }, "The server cannot be reached right now; you can still try to join.") : null,
    message ? h("p", { class: "error-text", role: "alert" }, message) : null,
    h("p", {}, "You will rate how consistently your organisation performs each practice. Your answers are anonymous."),
    info.prework && info.prework.status === "open" ? h("p", { class: "prework-banner", "data-prework-join": "" },
      h("strong", {}, "Pre-work: "), `answer at your own pace, on any device, by ${localMoment(info.prework.deadline)}.`) : null,
    h("div", { class: "field" },
      h("label", { for: "name" }, "Your name ", h("span", { class: "hint" }, "(optional; never shown next to your answers)")),
      nameInput),
    segmentSelect ? h("div", { class: "field" },
      h("label", { for: "segment" }, "Your group ", h("span", { class: "hint" }, "(optional; results by group are shown only for groups of 3 or more)")),
      segmentSelect) : null,
    h("button", { type: "submit", class: "primary", "data-action": "join" }, "Join the session"),
    privacyNote());
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    joinFields = {};
    if (nameInput.value.trim()) joinFields.name = nameInput.value.trim();
    if (segmentSelect && segmentSelect.value) joinFields.segment = segmentSelect.value;
    form.querySelector("button").disabled = true;
    replace(screen, waitingView("Joining…"));
    connect();
  });
  replace(screen, form);
  nameInput.focus();
}

function connect() {
  if (connection) {
    if (!connection.socket.connected) connection.socket.connect();
    return;
  }
  connection = new Connection((conn) => conn.raw(EVENTS.JOIN, token ? { code, participant_token: token } : { code, ...joinFields }));
  showStatus(connection, $("[data-status]"));
  $("[data-status]").hidden = false;
  connection.addEventListener("bound", (event) => joined(event.detail));
  connection.addEventListener("bind-failed", (event) => joinFailed(event.detail));
  connection.addEventListener("status", () => {
    if (connection.status !== "online") markPendingOffline();
  });
  connection.on(EVENTS.STATE, receiveState);
}

function joined(ack) {
  token = ack.participant_token;
  const you = ack.participant && ack.participant.name;
  $("[data-you]").textContent = you ? `You: ${you}${ack.participant.segment ? ` (${ack.participant.segment})` : ""}` : "";
  writeStorage(STORAGE.participant(code), token);
  myVotes = ack.votes || {};
  state = null;
  receiveState(ack.state);
  flushPending();
}

function joinFailed(ack) {
  if (!ack) return;
  if (ack.error === "forbidden" && token) {
    token = null;
    writeStorage(STORAGE.participant(code), null);
    connection.socket.disconnect();
    showJoinForm("Your earlier place in this session was not found. Please join again.");
  } else if (["closed", "not_found", "bad_request", "full"].includes(ack.error)) {
    connection.socket.disconnect();
    showJoinForm(ack.message);
  } else if (ack.error === "rate_limited") {
    // a whole room joining at once through one network: wait a moment (spread out) and join again
    replace(screen, waitingView("Many people are joining at once: joining in a moment…"));
    window.setTimeout(() => { if (connection.socket.connected) connection.socket.disconnect().connect(); }, 2000 + Math.random() * 4000);
  } else {
    // a timeout while joining: try again shortly, the server may be restarting
    window.setTimeout(() => { if (connection.socket.connected) connection.socket.disconnect().connect(); }, 1500);
  }
}

// --- state and rendering --------------------------------------------------------------------------

function receiveState(next) {
  if (state && next.version < state.version) return;
  const before = state;
  state = next;
  preworkEndsAt = state.prework && state.prework.remaining !== null ? Date.now() + state.prework.remaining * 1000 : null;
  $("[data-session-name]").textContent = state.title;
  announceChanges(before, state);
  render();
  countdown.sync(state.timer);
}

function practiceState(id) {
  return state.practices.find((practice) => practice.id === id);
}

// --- pre-work ---------------------------------------------------------------------------------------
const DEADLINE_FORMAT = new Intl.DateTimeFormat(undefined, {
  weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit", timeZoneName: "short",
});

/** A moment in this device's time zone, with the zone named: "Friday 14 March at 17:00 CET". */
function localMoment(iso) {
  return DEADLINE_FORMAT.format(new Date(iso));
}

function zoneName() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return "";
  }
}

function preworkOpen() {
  return Boolean(state && state.prework && state.prework.status === "open" && preworkEndsAt && Date.now() < preworkEndsAt);
}

/** A pre-work round whose deadline has passed takes no answer (the server refuses it anyway). */
function preworkOver(practice) {
  return Boolean(state.prework) && practice.round === 1 && practice.status === "open" && !preworkOpen();
}

function votable(practice) {
  return practice.status === "open" && !preworkOver(practice);
}

function timeLeft() {
  const seconds = Math.max(0, (preworkEndsAt - Date.now()) / 1000);
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.ceil((seconds % 3600) / 60);
  if (days) return `${days} day${days === 1 ? "" : "s"}${hours ? ` ${hours} h` : ""} left`;
  if (hours) return `${hours} h ${minutes} min left`;
  return `${minutes} min left`;
}

function preworkBanner() {
  return h("div", { class: "prework-banner", "data-prework-banner": "" },
    h("p", { style: "margin:0" }, h("strong", {}, "Pre-work: "), "answer at your own pace by ",
      h("strong", { "data-prework-deadline": "" }, localMoment(state.prework.deadline)), "."),
    h("p", { class: "small muted", style: "margin:0" },
      h("span", { "data-prework-left": "" }, timeLeft()),
      zoneName() ? ` · shown in your time zone (${zoneName()})` : "",
      " · each answer is saved as you tap; you can change it until then."));
}

function resumeCard(open = false) {
  const link = `${window.location.origin}/join/${code}#resume=${token}`;
  const status = h("span", { class: "small", role: "status", "data-copy-status": "" });
  const field = h("input", { type: "text", id: "resume-link", readonly: true, value: link, "data-resume-link": "",
    onfocus: (event) => event.target.select() });
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link);
      status.textContent = "Copied.";
    } catch {
      field.focus();
      status.textContent = "Selected: copy it with your device's copy command.";
    }
  };
  return h("details", { class: "card stack resume", "data-resume": "", open: open || null },
    h("summary", {}, "Continue on another device"),
    h("p", { class: "small", style: "margin:0" }, "Open this link on your laptop or another phone to carry on with the same answers and change them."),
    h("label", { for: "resume-link", class: "visually-hidden" }, "Your resume link"),
    field,
    h("div", { class: "row" }, h("button", { type: "button", "data-action": "copy-resume-link", onclick: copy }, "Copy my link"), status),
    h("p", { class: "small warning-text", style: "margin:0" }, h("strong", {}, "This link is yours: "),
      "whoever has it can answer as you. Send it only to yourself; don't paste it in a shared chat."));
}

function answeredCount() {
  return state.practices.filter((practice) => index.info[practice.id] && answeredInRound(practice.id)).length;
}

function preworkClosedView() {
  const closedAt = state.prework.closed_at || state.prework.deadline;
  return h("section", { class: "card stack", "data-view": "prework-closed" },
    h("h1", {}, "Pre-work is closed"),
    h("p", {}, `It closed on ${localMoment(closedAt)}. You answered ${answeredCount()} of ${state.practices.length} practices.`),
    h("p", { class: "muted" }, "Nobody has seen any answer yet. The results are revealed together in the workshop, where you can vote again on the practices the group sees differently."));
}

function available() {
  return state.practices.filter((practice) => practice.status !== "pending" && index.info[practice.id] && !preworkOver(practice));
}

function answeredInRound(id) {
  const current = practiceState(id);
  if (pending[id] && pending[id].round === current.round) return pending[id];
  if (myVotes[id] && myVotes[id].round === current.round) return myVotes[id];
  return null;
}

function openUnanswered() {
  return available().filter((practice) => votable(practice) && !answeredInRound(practice.id));
}

function practiceToShow() {
  if (state.current) return state.current;
  const list = available();
  if (!list.length) return null;
  if (viewing && list.some((practice) => practice.id === viewing)) return viewing;
  const unanswered = openUnanswered()[0];
  viewing = (unanswered || list.find((practice) => votable(practice)) || list[0]).id;
  return viewing;
}

function render() {
  if (!state || !framework) return;
  if (state.status === "closed") {
    pager.hidden = true;
    replace(screen, closedView());
    lastRendered = "closed";
    return;
  }
  const id = practiceToShow();
  const waitsForTheRoom = state.prework && !preworkOpen() && (!id || preworkOver(practiceState(id)));
  if (waitsForTheRoom) {
    pager.hidden = true;
    replace(screen, preworkClosedView());
    lastRendered = "prework-closed";
    return;
  }
  if (!id) {
    pager.hidden = true;
    replace(screen, waitingView("Waiting for the facilitator to open the first practice…"));
    lastRendered = null;
    return;
  }
  const practice = practiceState(id);
  const view = practice.status === "revealed" ? resultView(id) : voteView(id);
  const moved = lastRendered !== `${id}:${practice.status}:${practice.round}`;
  const focused = document.activeElement;
  const keepFocus = !moved && focused && focused.id === "why" ? { value: focused.value, start: focused.selectionStart } : null;
  replace(screen, view);
  renderPager(id);
  if (keepFocus) {
    const why = $("#why");
    if (why) {
      why.value = keepFocus.value;
      why.focus();
      why.setSelectionRange(keepFocus.start, keepFocus.start);
    }
  } else if (moved && lastRendered !== null) {
    const heading = $("[data-practice-heading]");
    if (heading) heading.focus({ preventScroll: false });
  }
  lastRendered = `${id}:${practice.status}:${practice.round}`;
  countdown.paint();
}

function waitingView(text) {
  return h("section", { class: "card waiting", "data-view": "waiting" },
    h("div", { class: "pulse", "aria-hidden": "true" }),
    h("h1", {}, state ? state.title : `Session ${code}`),
    h("p", { class: "muted" }, text));
}

function metaLine(id) {
  // the stage's name is left out on purpose: it would anchor people's answers (issue: placement)
  const { position, kind } = index.info[id];
  const text = kind === "stage_vote" ? "Which stage are we in?" : `Practice ${position} of ${state.total_practices}`;
  return h("p", { class: "practice-meta", "data-progress": "" }, text, " ",
    h("span", { class: "timer", "data-timer": "", "aria-live": "off" }));
}

function statusFor(id) {
  const round = practiceState(id).round;
  const stored = voteStatus[id] && voteStatus[id].round === round ? voteStatus[id] : null;
  if (stored) return stored;
  if (pending[id] && pending[id].round === round) {
    return connection && connection.online
      ? { kind: "saving", text: "Saving…" }
      : { kind: "offline", text: "Offline: kept on this phone, sent when the connection returns" };
  }
  if (myVotes[id] && myVotes[id].round === round) return { kind: "saved", text: "Saved ✓" };
  return { kind: "", text: "" };
}

function voteView(id) {
  const practice = practiceState(id);
  const { practice: item, options, kind } = index.info[id];
  const chosen = answeredInRound(id);
  const answers = [...options, { ...index.unknown, tagline: index.unknown.description }];
  const draftKey = `${id}:${practice.round}`;
  const status = statusFor(id);
  const buttons = answers.map((answer) => {
    const selected = Boolean(chosen) && chosen.level === answer.value;
    const button = h("button", {
      type: "button", class: "level-button", "data-level": answer.value, "data-kind": answer.kind, "data-vote": answer.value,
      "aria-pressed": String(selected), onclick: () => castVote(id, answer.value),
    },
    h("span", { class: "swatch", "aria-hidden": "true" }),
    h("span", {}, h("span", { class: "name" }, answer.label), h("span", { class: "tagline" }, answer.tagline)),
    selected ? h("span", { class: "vote-status", "data-vote-status": status.kind, role: "status" }, status.text) : null);
    const why = selected ? whyField(id, draftKey, chosen) : null;
    return [button, why];
  });
  return h("section", { "data-view": "vote", "data-practice": id, "data-round": practice.round, "data-kind": kind },
    preworkOpen() ? preworkBanner() : null,
    practice.round > 1 ? h("p", { class: "revote-banner", "data-revote": String(practice.round), role: "status" },
      h("strong", {}, `Re-vote, round ${practice.round}: `), "the group discussed this practice. Answer again; your earlier answer is kept for the record.") : null,
    metaLine(id),
    h("h1", { class: "practice-text", tabindex: "-1", id: "practice-heading", "data-practice-heading": "" }, item.text),
    h("div", { class: "levels", role: "group", "aria-labelledby": "practice-heading" }, buttons),
    chosen ? null : h("p", { class: "small muted" }, preworkOpen()
      ? "Tap the answer that fits best. You can change it until pre-work closes."
      : "Tap the answer that fits best. You can change it until the facilitator reveals the results."),
    kind === "practice" ? h("details", { class: "small", style: "margin-top:0.75rem" },
      h("summary", {}, "What the levels mean"),
      h("dl", {}, options.map((level) => [h("dt", {}, h("strong", {}, level.label)), h("dd", {}, level.description)]))) : null,
    preworkOpen() ? resumeCard() : null,
    privacyNote());
}

function whyField(id, draftKey, chosen) {
  const why = h("input", {
    type: "text", id: "why", maxlength: LIMITS.note, enterkeyhint: "send", autocomplete: "off", "data-why": "",
    value: draftKey in reasonDrafts ? reasonDrafts[draftKey] : chosen && chosen.note ? chosen.note : "",
    oninput: (event) => { reasonDrafts[draftKey] = event.target.value; },
    onkeydown: (event) => { if (event.key === "Enter") { event.preventDefault(); saveReason(id, why.value.trim()); } },
  });
  return h("div", { class: "why", "data-why-field": "" },
    h("label", { for: "why" }, "Why? ", h("span", { class: "hint" }, "optional, one line, shown without your name")),
    h("div", { class: "row", style: "flex-wrap:nowrap" }, why,
      h("button", { type: "button", "data-action": "save-reason", onclick: () => saveReason(id, why.value.trim()) }, "Send")));
}

function resultView(id) {
  const practice = practiceState(id);
  const { practice: item, options } = index.info[id];
  const result = practice.result;
  const mine = myVotes[id] && result && myVotes[id].round === result.round ? myVotes[id].level : null;
  const names = (value) => index.answerName(id, value);
  return h("section", { "data-view": "result", "data-practice": id },
    metaLine(id),
    h("h1", { class: "practice-text", tabindex: "-1", "data-practice-heading": "" }, item.text),
    result ? h("div", { class: "card stack" },
      verdict(result),
      distributionChart(result, { options, mine }),
      h("p", { class: "small" }, `${result.voters} rated, ${result.abstaining} said don't know.`,
        mine ? ` Your answer: ${names(mine)}.` : ""),
      practice.consolidated_level ? h("p", {}, "The group's level: ", practiceLevel(practice, names)) : null)
      : h("p", {}, "Results are not available."));
}

function closedView() {
  const revealed = state.practices.filter((practice) => practice.result && index.info[practice.id]);
  const outcome = state.outcome;
  return h("section", { class: "stack", "data-view": "closed" },
    h("div", { class: "card stack", "data-outcome": outcome && outcome.stage ? outcome.stage : "none" },
      h("h1", {}, "Thank you!"),
      outcome ? h("p", { class: "outcome" }, h("strong", {}, "What the group reached: "), outcome.headline) : null,
      h("p", { class: "muted" }, "This session has ended. Your facilitator will share the summary.")),
    revealed.length ? h("div", { class: "card" }, h("h2", {}, "What the group said"),
      h("ul", { class: "reasons" }, revealed.map((practice) => h("li", {},
        h("div", {}, index.info[practice.id].practice.text),
        h("div", { class: "row small" }, h("span", { class: "badge", "data-label": practice.result.label }, practice.result.label_text),
          practice.level ? practiceLevel(practice, (value) => index.answerName(practice.id, value)) : null))))) : null);
}

function doneView(list) {
  const prework = preworkOpen();
  return h("section", { class: "stack", "data-view": "done" },
    prework ? preworkBanner() : null,
    h("div", { class: "card stack" },
      h("h1", {}, "You're done"),
      h("p", {}, prework
        ? `You answered all ${list.length} practices. You can change an answer until pre-work closes; the results are revealed in the workshop.`
        : `You answered all ${list.length} open practices. You can change an answer until the facilitator reveals it.`),
      h("button", { type: "button", "data-action": "review", onclick: () => { overview = true; renderOverview(available()); } }, "Review my answers")),
    prework ? resumeCard() : null);
}

function renderPager(id) {
  const list = available();
  if (state.current || list.length < 2) {
    pager.hidden = true;
    return;
  }
  const position = list.findIndex((practice) => practice.id === id);
  const open = list.filter((practice) => votable(practice)).length;
  const answered = list.filter((practice) => votable(practice) && answeredInRound(practice.id)).length;
  const go = (target) => {
    viewing = target;
    overview = false;
    render();
  };
  const next = list[position + 1];
  const finished = open > 0 && answered === open;
  replace(pager,
    h("button", { type: "button", "data-action": "previous", disabled: position <= 0 || null,
      onclick: () => go(list[position - 1].id) }, "‹ Back"),
    h("button", { type: "button", class: "link where", "data-action": "overview", "aria-expanded": String(overview),
      onclick: () => { overview = !overview; renderOverview(list); } },
    `${position + 1} of ${list.length}`,
    open ? h("span", { class: "small muted", style: "display:block" }, `${answered} of ${open} answered`) : null),
    next ? h("button", { type: "button", class: "primary", "data-action": "next", onclick: () => go(next.id) }, "Next ›")
      : h("button", { type: "button", class: finished ? "primary" : "", "data-action": "finish", disabled: !finished || null,
        onclick: () => replace(screen, doneView(list.filter((practice) => votable(practice)))) }, "Finish"));
  pager.hidden = false;
  if (overview) renderOverview(list);
}

function renderOverview(list) {
  if (!overview) {
    render();
    return;
  }
  replace(screen, h("section", { class: "card stack", "data-view": "overview" },
    h("h1", {}, "All practices"),
    h("div", { class: "overview" }, list.map((practice) => h("button", {
      type: "button", "data-answered": String(!!answeredInRound(practice.id) || practice.status === "revealed"),
      "aria-label": `Practice ${index.info[practice.id].position}: ${index.info[practice.id].practice.text}${answeredInRound(practice.id) ? ", answered" : ""}`,
      onclick: () => { viewing = practice.id; overview = false; render(); },
    }, String(index.info[practice.id].position))))));
}

function announceChanges(before, after) {
  if (!before) return;
  if (after.status === "closed" && before.status !== "closed") {
    announce(after.outcome ? `The session has ended. ${after.outcome.headline}` : "The session has ended.");
    return;
  }
  if (before.prework && before.prework.status === "open" && after.prework && after.prework.status === "closed") {
    announce("Pre-work has closed: the results are revealed in the workshop.");
  }
  if (after.current && after.current !== before.current && index.info[after.current]) {
    announce(`New practice: ${index.info[after.current].practice.text}`);
  }
  for (const practice of after.practices) {
    const old = before.practices.find((item) => item.id === practice.id);
    if (old && practice.round > old.round && practice.round > 1) announce(`Re-vote on round ${practice.round}: answer again.`);
    if (practice.result && (!old || !old.result || old.result.round !== practice.result.round)) {
      if (!after.current || after.current === practice.id) announce(`Results revealed: ${practice.result.label_text}.`);
    }
  }
}

// --- voting ---------------------------------------------------------------------------------------

function setVoteStatus(id, kind, text) {
  const practice = practiceState(id);
  voteStatus[id] = { kind, text, round: practice ? practice.round : null };
  const element = $(`[data-view=vote][data-practice="${CSS.escape(id)}"] [data-vote-status]`);
  if (element) {
    element.dataset.voteStatus = kind;
    element.textContent = text;
  } else if (practiceState(id) && (state.current === id || viewing === id)) {
    render();
  }
}

function castVote(id, level, note) {
  const practice = practiceState(id);
  if (!practice || !votable(practice)) return;
  const draftKey = `${id}:${practice.round}`;
  const earlier = answeredInRound(id);
  const reason = note !== undefined ? note : (reasonDrafts[draftKey] || (earlier && earlier.note) || "").trim();
  pending[id] = { level, note: reason || null, round: practice.round };
  writeStorage(STORAGE.pending(code), pending);
  delete voteStatus[id];
  render(); // the tapped option is filled at once and its status appears on it
  // keep that status in view: the option grew, and a phone screen is short
  $(`[data-vote="${CSS.escape(level)}"] [data-vote-status]`)?.scrollIntoView({ block: "nearest" });
  send(id);
}

function saveReason(id, note) {
  const chosen = answeredInRound(id);
  if (!chosen) return;
  castVote(id, chosen.level, note);
}

async function send(id) {
  const item = pending[id];
  if (!item) return;
  if (!connection || !connection.online) {
    setVoteStatus(id, "offline", "Offline: kept on this phone, sent when the connection returns");
    return;
  }
  if (sending.has(id)) return; // the ack handler sends again if the answer changed meanwhile
  sending.add(id);
  setVoteStatus(id, "saving", "Saving…");
  const payload = { practice: id, level: item.level, round: item.round };
  if (item.note) payload.note = item.note;
  const ack = await connection.request(EVENTS.VOTE, payload);
  sending.delete(id);
  const current = pending[id];
  const same = current && current.level === item.level && current.note === item.note && current.round === item.round;
  if (ack.ok) {
    myVotes[id] = { round: ack.round, level: ack.level, note: ack.note };
    delete retries[id];
    const draftKey = `${id}:${ack.round}`;
    if ((reasonDrafts[draftKey] || "").trim() === (ack.note || "")) delete reasonDrafts[draftKey];
    if (same) {
      delete pending[id];
      writeStorage(STORAGE.pending(code), pending);
      setVoteStatus(id, "saved", ack.note ? "Saved ✓ with your reason" : "Saved ✓");
      const next = !state.current && openUnanswered()[0];
      if (!state.current && !next && available().filter((p) => p.status === "open").length > 1) {
        announce("You have answered every open practice.");
      }
    } else {
      send(id);
    }
  } else if (ack.error === "timeout" || ack.error === "offline" || ack.error === "internal" || ack.error === "rate_limited") {
    // the server may be restarting or briefly busy: the answer waits and goes again
    const attempt = (retries[id] = (retries[id] || 0) + 1);
    setVoteStatus(id, "offline", "Not sent yet: kept on this phone, retrying…");
    window.setTimeout(() => send(id), Math.min(15000, 1500 * attempt));
  } else {
    delete pending[id];
    writeStorage(STORAGE.pending(code), pending);
    const late = ack.error === "not_open" && state.prework && item.round === 1;
    const text = late
      ? `Pre-work closed on ${localMoment(state.prework.closed_at || state.prework.deadline)}: this answer was not recorded.`
      : ack.error === "not_open"
      ? "Voting on this round closed before your answer arrived."
      : ack.error === "closed" ? "The session has ended; your answer was not recorded." : `Not saved: ${ack.message}`;
    setVoteStatus(id, "failed", text);
    announce(text);
  }
}

function flushPending() {
  for (const id of Object.keys(pending)) {
    if (!practiceState(id)) {
      delete pending[id];
      continue;
    }
    send(id);
  }
  writeStorage(STORAGE.pending(code), pending);
}

function markPendingOffline() {
  for (const id of Object.keys(pending)) {
    setVoteStatus(id, "offline", "Offline: kept on this phone, sent when the connection returns");
  }
}

// pre-work's time left moves on the open screen; at the deadline the phone stops offering answers
window.setInterval(() => {
  if (!state || !state.prework || !preworkEndsAt) return;
  const left = $("[data-prework-left]");
  if (left) left.textContent = timeLeft();
  if (!preworkOpen() && $("[data-prework-banner]")) render();
}, 15000);

// --- start ----------------------------------------------------------------------------------------
if (token) {
  replace(screen, waitingView("Reconnecting…"));
  connect();
} else {
  showJoinForm();
}
