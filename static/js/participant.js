// The participant's phone: join with the code, vote one practice per screen, see results after a
// reveal. Votes wait in localStorage until acknowledged, so a vote made offline (or before a reload)
// is sent when the connection returns; the server keeps one vote per person and round, so a resend
// never counts twice.
import { Connection, showStatus } from "./connection.js";
import { distributionChart, labelBadge, levelChip } from "./charts.js";
import { EVENTS, LEVEL_LABELS, LIMITS, STORAGE } from "./protocol.js";
import { $, announce, bootstrap, h, readStorage, replace, writeStorage } from "./dom.js";

const main = $("[data-page=participant]");
const screen = $("[data-screen]");
const pager = $("[data-pager]");
const code = main.dataset.code;

let token = readStorage(STORAGE.participant(code));
let pending = readStorage(STORAGE.pending(code), {}); // practice -> {level, note, round}
let joinFields = {};
let connection = null;
const framework = bootstrap().framework;
let state = null;
let myVotes = {}; // practice -> {round, level, note}
let viewing = null; // the practice shown in self-paced mode
let overview = false;
const voteStatus = {}; // practice -> {kind, text}
const reasonDrafts = {}; // "practice:round" -> the "why?" text typed and not yet sent
const sending = new Set();
const retries = {}; // practice -> failed attempts in a row, for the back-off
const practiceIndex = {};
let lastRendered = null;
if (framework) {
  framework.stages.forEach((stage) => stage.practices.forEach((practice) => {
    practiceIndex[practice.id] = { practice, stage, position: Object.keys(practiceIndex).length + 1 };
  }));
}

// --- large text ------------------------------------------------------------------------------
const largeText = $("[data-large-text]");
function syncLargeText() {
  const on = document.documentElement.classList.contains("large-text");
  largeText.setAttribute("aria-pressed", String(on));
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
    h("div", { class: "field" },
      h("label", { for: "name" }, "Your name ", h("span", { class: "hint" }, "(optional; never shown next to your answers)")),
      nameInput),
    segmentSelect ? h("div", { class: "field" },
      h("label", { for: "segment" }, "Your group ", h("span", { class: "hint" }, "(optional; results by group are shown only for groups of 3 or more)")),
      segmentSelect) : null,
    h("button", { type: "submit", class: "primary", "data-action": "join" }, "Join the session"));
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
  } else if (ack.error === "closed" || ack.error === "not_found" || ack.error === "bad_request") {
    connection.socket.disconnect();
    showJoinForm(ack.message);
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
  $("[data-session-name]").textContent = state.title;
  announceChanges(before, state);
  render();
}

function practiceState(id) {
  return state.practices.find((practice) => practice.id === id);
}

function available() {
  return state.practices.filter((practice) => practice.status !== "pending");
}

function answeredInRound(id) {
  const current = practiceState(id);
  const item = pending[id] && pending[id].round === current.round ? pending[id]
    : myVotes[id] && myVotes[id].round === current.round ? myVotes[id] : null;
  return item;
}

function practiceToShow() {
  if (state.current) return state.current;
  const list = available();
  if (!list.length) return null;
  if (viewing && list.some((practice) => practice.id === viewing)) return viewing;
  const unanswered = list.find((practice) => practice.status === "open" && !answeredInRound(practice.id));
  viewing = (unanswered || list.find((practice) => practice.status === "open") || list[0]).id;
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
    why.value = keepFocus.value;
    why.focus();
    why.setSelectionRange(keepFocus.start, keepFocus.start);
  } else if (moved && lastRendered !== null) {
    const heading = $("[data-practice-heading]");
    if (heading) heading.focus({ preventScroll: false });
  }
  lastRendered = `${id}:${practice.status}:${practice.round}`;
}

function waitingView(text) {
  return h("section", { class: "card waiting", "data-view": "waiting" },
    h("div", { class: "pulse", "aria-hidden": "true" }),
    h("h1", {}, state ? state.title : `Session ${code}`),
    h("p", { class: "muted" }, text));
}

function metaLine(id, practice) {
  const { stage, position } = practiceIndex[id];
  const parts = [`Practice ${position} of ${state.total_practices}`, stage.name];
  if (practice.round > 1) parts.push(`re-vote, round ${practice.round}`);
  return h("p", { class: "practice-meta", "data-progress": "" }, parts.join(" · "));
}

function voteView(id) {
  const practice = practiceState(id);
  const { practice: info } = practiceIndex[id];
  const chosen = answeredInRound(id);
  const levels = [...framework.scale.levels, { ...framework.scale.unknown, tagline: framework.scale.unknown.description }];
  const draftKey = `${id}:${practice.round}`;
  const why = h("input", {
    type: "text", id: "why", maxlength: LIMITS.note, enterkeyhint: "send", autocomplete: "off", "data-why": "",
    value: draftKey in reasonDrafts ? reasonDrafts[draftKey] : chosen && chosen.note ? chosen.note : "",
    oninput: (event) => { reasonDrafts[draftKey] = event.target.value; },
  });
  const status = voteStatus[id] && voteStatus[id].round === practice.round ? voteStatus[id] : null;
  return h("section", { "data-view": "vote", "data-practice": id, "data-round": practice.round },
    metaLine(id, practice),
    h("h1", { class: "practice-text", tabindex: "-1", id: "practice-heading", "data-practice-heading": "" }, info.text),
    h("div", { class: "levels", role: "group", "aria-labelledby": "practice-heading" },
      levels.map((level) => h("button", {
        type: "button", class: "level-button", "data-level": level.value, "data-vote": level.value,
        "aria-pressed": String(!!chosen && chosen.level === level.value),
        onclick: () => castVote(id, level.value, why.value.trim()),
      },
      h("span", { class: "swatch", "aria-hidden": "true" }),
      h("span", {}, h("span", { class: "name" }, level.label), h("span", { class: "tagline" }, level.tagline))))),
    h("details", { class: "small", style: "margin-top:0.75rem" },
      h("summary", {}, "What the levels mean"),
      h("dl", {}, framework.scale.levels.map((level) => [h("dt", {}, h("strong", {}, level.label)), h("dd", {}, level.description)]))),
    h("div", { class: "field", style: "margin-top:1rem" },
      h("label", { for: "why" }, "Why? ", h("span", { class: "hint" }, "optional, one line, shown without your name")),
      h("div", { class: "row", style: "flex-wrap:nowrap" }, why,
        h("button", { type: "button", "data-action": "save-reason", onclick: () => saveReason(id, why.value.trim()) }, "Save"))),
    h("p", { class: "vote-status", role: "status", "aria-live": "polite", "data-vote-status": (status || defaultStatus(id)).kind },
      (status || defaultStatus(id)).text));
}

function defaultStatus(id) {
  const round = practiceState(id).round;
  if (pending[id] && pending[id].round === round) {
    return connection && connection.online
      ? { kind: "saving", text: "Saving…" }
      : { kind: "offline", text: "You're offline: your answer will be sent when the connection returns." };
  }
  if (myVotes[id] && myVotes[id].round === round) {
    return { kind: "saved", text: `Saved ✓ ${LEVEL_LABELS[myVotes[id].level]}` };
  }
  return { kind: "", text: "" };
}

function resultView(id) {
  const practice = practiceState(id);
  const { practice: info } = practiceIndex[id];
  const result = practice.result;
  const mine = myVotes[id] && result && myVotes[id].round === result.round ? myVotes[id].level : null;
  return h("section", { "data-view": "result", "data-practice": id },
    metaLine(id, practice),
    h("h1", { class: "practice-text", tabindex: "-1", "data-practice-heading": "" }, info.text),
    result ? h("div", { class: "card stack" },
      h("div", { class: "row" }, h("h2", { style: "margin:0" }, "The group's answers"), labelBadge(result.label)),
      result.label_meaning ? h("p", { class: "muted small" }, result.label_meaning) : null,
      distributionChart(result.counts, { mine }),
      h("p", { class: "small" }, `${result.voters} rated, ${result.abstaining} said don't know.`,
        mine ? [" Your answer: ", levelChip(mine)] : null),
      practice.consolidated_level ? h("p", {}, "The group's level: ", levelChip(practice.consolidated_level)) : null)
      : h("p", {}, "Results are not available."));
}

function closedView() {
  const revealed = state.practices.filter((practice) => practice.result);
  return h("section", { class: "stack", "data-view": "closed" },
    h("div", { class: "card" }, h("h1", {}, "Thank you!"), h("p", {}, "This session has ended. Your facilitator will share the summary.")),
    revealed.length ? h("div", { class: "card" }, h("h2", {}, "What the group said"),
      h("ul", { class: "reasons" }, revealed.map((practice) => h("li", {},
        h("div", {}, practiceIndex[practice.id].practice.text),
        h("div", { class: "row small" }, labelBadge(practice.result.label),
          practice.consolidated_level ? levelChip(practice.consolidated_level) : null))))) : null);
}

function renderPager(id) {
  const list = available();
  if (state.current || list.length < 2) {
    pager.hidden = true;
    return;
  }
  const index = list.findIndex((practice) => practice.id === id);
  const answered = list.filter((practice) => practice.status === "open" && answeredInRound(practice.id)).length;
  const open = list.filter((practice) => practice.status === "open").length;
  const go = (target) => {
    viewing = target;
    overview = false;
    render();
  };
  replace(pager,
    h("button", { type: "button", "data-action": "previous", disabled: index <= 0 || null,
      onclick: () => go(list[index - 1].id) }, "‹ Previous"),
    h("button", { type: "button", class: "link where", "data-action": "overview", "aria-expanded": String(overview),
      onclick: () => { overview = !overview; renderOverview(list); } },
    `${practiceIndex[id].position} of ${state.total_practices}`, h("span", { class: "small muted", style: "display:block" }, `${answered} of ${open} answered`)),
    h("button", { type: "button", class: "primary", "data-action": "next", disabled: index >= list.length - 1 || null,
      onclick: () => go(list[index + 1].id) }, "Next ›"));
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
      "aria-label": `Practice ${practiceIndex[practice.id].position}: ${practiceIndex[practice.id].practice.text}${answeredInRound(practice.id) ? ", answered" : ""}`,
      onclick: () => { viewing = practice.id; overview = false; render(); },
    }, String(practiceIndex[practice.id].position))))));
}

function announceChanges(before, after) {
  if (!before) return;
  if (after.status === "closed" && before.status !== "closed") {
    announce("The session has ended.");
    return;
  }
  if (after.current && after.current !== before.current && practiceIndex[after.current]) {
    announce(`New practice: ${practiceIndex[after.current].practice.text}`);
  }
  for (const practice of after.practices) {
    const old = before.practices.find((item) => item.id === practice.id);
    if (practice.result && (!old || !old.result || old.result.round !== practice.result.round)) {
      if (!after.current || after.current === practice.id) {
        announce(`Results revealed: ${practice.result.label_text}.`);
      }
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
  }
}

function castVote(id, level, note) {
  const practice = practiceState(id);
  if (!practice || practice.status !== "open") return;
  pending[id] = { level, note: note || null, round: practice.round };
  writeStorage(STORAGE.pending(code), pending);
  for (const button of document.querySelectorAll(`[data-view=vote] [data-vote]`)) {
    button.setAttribute("aria-pressed", String(button.dataset.vote === level));
  }
  send(id);
}

function saveReason(id, note) {
  const chosen = answeredInRound(id);
  if (!chosen) {
    setVoteStatus(id, "failed", "Choose a level first; your reason is sent with it.");
    return;
  }
  castVote(id, chosen.level, note);
}

async function send(id) {
  const item = pending[id];
  if (!item) return;
  if (!connection || !connection.online) {
    setVoteStatus(id, "offline", "You're offline: your answer will be sent when the connection returns.");
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
      setVoteStatus(id, "saved", `Saved ✓ ${LEVEL_LABELS[ack.level]}${ack.note ? ", with your reason" : ""}`);
    } else {
      send(id);
    }
  } else if (ack.error === "timeout" || ack.error === "offline" || ack.error === "internal") {
    // the server may be restarting or briefly busy: the answer waits and goes again
    const attempt = (retries[id] = (retries[id] || 0) + 1);
    setVoteStatus(id, "failed", "Not saved yet: retrying…");
    window.setTimeout(() => send(id), Math.min(15000, 1500 * attempt));
  } else {
    delete pending[id];
    writeStorage(STORAGE.pending(code), pending);
    const text = ack.error === "not_open"
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
    setVoteStatus(id, "offline", "You're offline: your answer will be sent when the connection returns.");
  }
}

// --- start ----------------------------------------------------------------------------------------
if (token) {
  replace(screen, waitingView("Reconnecting…"));
  connect();
} else {
  showJoinForm();
}
