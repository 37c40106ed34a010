// The facilitator's laptop: run the room (open, reveal, re-vote, consolidate, close), follow the
// votes live, see where the group agrees and disagrees, and the placement at the end.
import { Connection, showStatus } from "./connection.js";
import { distributionChart, heatMap, ladder, labelBadge, levelChip, profileChart } from "./charts.js";
import { Countdown } from "./countdown.js";
import { FORMATS, downloadSummary } from "./downloads.js";
import { ALL, EVENTS, LEVELS, LEVEL_LABELS, LIMITS, STORAGE } from "./protocol.js";
import { $, announce, bootstrap, decimal, h, percent, readStorage, rememberSession, replace, writeStorage } from "./dom.js";

const main = $("[data-page=facilitator]");
const root = $("[data-root]");
const code = main.dataset.code;
const joinUrl = main.dataset.joinUrl;

let token = null;
let connection = null;
const framework = bootstrap().framework;
let state = null;
let tally = null;
let selected = null;
let tab = "queue";
let links = {};
const reasonsCache = {};
const order = []; // practice ids in framework order
const info = {}; // id -> {practice, stage, position}
framework.stages.forEach((stage) => stage.practices.forEach((practice) => {
  order.push(practice.id);
  info[practice.id] = { practice, stage, position: order.length };
}));
const countdown = new Countdown();
let benchmark = null; // {status, data}: fetched when the placement tab is first shown, again at close

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
  if (!selected || !info[selected]) selected = state.current || firstUseful();
  render();
  countdown.sync(state.timer);
}

function receiveTally(next) {
  if (!state || next.version < state.version) return;
  tally = next;
  renderPeople();
  for (const [id, votes] of Object.entries(next.votes)) {
    for (const element of document.querySelectorAll(`[data-votes-for="${CSS.escape(id)}"]`)) {
      element.textContent = String(votes);
    }
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
  replace(root,
    headerCard(),
    state.status === "running" && !state.practices.some((p) => p.status !== "pending") ? joinCard() : null,
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
}

function renderPeople() {
  const count = people();
  $("[data-people]").textContent = `${count.present} here · ${count.joined} joined`;
}

function headerCard() {
  const closed = state.status === "closed";
  return h("section", { class: "card" },
    h("div", { class: "row", style: "justify-content:space-between" },
      h("div", {},
        h("h1", { style: "margin:0" }, state.title),
        h("p", { class: "muted", style: "margin:0" },
          [state.organization, state.team, framework.name, `code ${code}`].filter(Boolean).join(" · "))),
      h("span", { class: "state-pill", "data-session-status": state.status }, closed ? "Closed" : "Running")),
    closed ? h("p", { style: "margin:0.75rem 0 0" }, "This session is closed and read-only.") :
      h("div", { class: "toolbar", style: "margin-top:0.75rem", role: "toolbar", "aria-label": "Session actions" },
        h("button", { type: "button", "data-action": "open-all", onclick: () => act(EVENTS.OPEN, { practice: ALL }) },
          "Open all (self-paced)"),
        h("button", { type: "button", "data-action": "reveal-all", onclick: () => act(EVENTS.REVEAL, { practice: ALL }) },
          "Reveal all open"),
        h("label", { class: "row", style: "margin:0;font-weight:500" },
          h("input", { type: "checkbox", "data-action": "auto-reveal", checked: state.settings.auto_reveal || null,
            onchange: (event) => act(EVENTS.SETTINGS, { auto_reveal: event.target.checked }) }),
          "Reveal when everyone present has voted (paced)"),
        timerControls(),
        h("span", { style: "flex:1" }),
        h("button", { type: "button", class: "danger", "data-action": "close", onclick: confirmClose }, "Close session…")));
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
        h("p", { class: "small muted" }, "Open a practice when people have joined. The join info stays one click away (Join info, or the q key)."))));
}

function roomIsVoting() {
  return Boolean(state.current) && detail(state.current).status === "open";
}

function timerControls() {
  const voting = roomIsVoting();
  return h("span", { class: "row", style: "gap:0.3rem" },
    h("span", { class: "small muted" }, "Timer:"),
    [30, 60, 120].map((seconds) => h("button", {
      type: "button", "data-action": `timer-${seconds}`, disabled: !voting || null,
      title: voting ? "Reveals the practice the room is voting on when it ends" : "Open a practice for the room first",
      onclick: () => act(EVENTS.TIMER, { seconds }),
    }, seconds < 60 ? `${seconds}s` : `${seconds / 60} min`)),
    state.timer ? h("button", { type: "button", "data-action": "timer-stop", onclick: () => act(EVENTS.TIMER, {}) }, "Stop") : null,
    h("span", { class: "timer", "data-timer": "", "aria-live": "off" }));
}

function practiceList() {
  return h("nav", { "aria-label": "Practices" },
    h("h2", {}, "Practices"),
    h("p", { class: "small muted", style: "margin:0" },
      `${state.progress.revealed} revealed · ${state.progress.consolidated} consolidated · ${state.progress.total} in all`),
    framework.stages.map((stage) => [
      h("h3", { class: "stage-name" }, stage.name),
      stage.practices.length ? h("ul", { class: "practice-list" }, stage.practices.map((practice) => {
        const row = detail(practice.id);
        return h("li", {}, h("button", {
          type: "button", class: "practice-item", "data-practice-item": practice.id,
          "aria-current": String(practice.id === selected), onclick: () => select(practice.id),
        },
        h("span", { class: "num" }, `${info[practice.id].position}.`),
        h("span", { class: "text" }, practice.text),
        statusMarker(row)));
      })) : h("p", { class: "small muted" }, "No practices: every organisation starts here."),
    ]));
}

function statusMarker(row) {
  if (row.consolidated_level) return levelChip(row.consolidated_level);
  if (row.status === "revealed" && row.result) return labelBadge(row.result.label);
  if (row.status === "open") {
    return h("span", { class: "state-pill", "data-status": "open" },
      h("span", { "data-votes-for": row.id }, String(votesIn(row.id))), " in");
  }
  return h("span", { class: "state-pill", "data-status": row.status }, row.status === "pending" ? "Not opened" : row.status);
}

function practiceDetail(id) {
  const row = detail(id);
  const { practice, stage, position } = info[id];
  const closed = state.status === "closed";
  const parts = [
    h("p", { class: "practice-meta" },
      [`Practice ${position} of ${state.total_practices}`, stage.name, row.round ? `round ${row.round}` : null,
        state.current === id ? "the room is on this practice" : null].filter(Boolean).join(" · ")),
    h("h2", { id: "detail-heading", tabindex: "-1" }, practice.text),
    h("p", { class: "small muted" }, "Source: “", practice.source, "”"),
  ];
  if (row.status === "pending") {
    parts.push(closed ? h("p", {}, "This practice was not rated.") : h("div", { class: "toolbar" },
      h("button", { type: "button", class: "primary", "data-action": "open", onclick: () => act(EVENTS.OPEN, { practice: id }) },
        "Open for votes ", h("kbd", {}, "o"))));
  } else if (row.status === "open") {
    parts.push(h("div", { class: "row", style: "align-items:baseline" },
      h("span", { class: "votes-in", "data-votes-for": id }, String(votesIn(id))),
      h("span", {}, " answers in, ", h("span", { "data-present": "" }, String(people().present)), " people present"),
      row.rounds.length > 1 ? h("span", { class: "muted" }, `(re-vote: round ${row.round})`) : null));
    parts.push(h("p", { class: "muted small" }, "Results stay hidden from everyone, you included, until you reveal them."));
    parts.push(h("div", { class: "toolbar" },
      state.current !== id ? h("button", { type: "button", "data-action": "focus", onclick: () => act(EVENTS.OPEN, { practice: id }) }, "Show to the room") : null,
      h("button", { type: "button", class: "primary", "data-action": "reveal", onclick: () => act(EVENTS.REVEAL, { practice: id }) },
        "Reveal ", h("kbd", {}, "r"))));
  }
  const revealedRound = [...row.rounds].reverse().find((round) => round.result);
  if (revealedRound) parts.push(resultSection(row, revealedRound, closed));
  return parts;
}

function resultSection(row, round, closed) {
  const result = round.result;
  const between = result.between_levels;
  const figures = [
    ["Rated", String(result.voters), "People who chose a level"],
    ["Don't know", `${result.abstaining}${result.abstaining_share !== null ? ` (${percent(result.abstaining_share)})` : ""}`, "Abstentions: reported, never counted as Missing"],
    ["Median", between ? `${LEVEL_LABELS[result.median_low]}–${LEVEL_LABELS[result.median_high]}` : (result.median_low ? LEVEL_LABELS[result.median_low] : "–"), "Lower and upper median of the rated votes"],
    ["Consensus (Cns)", decimal(result.consensus), "Tastle & Wierman: 1 = everyone on one level, 0 = split between the ends"],
    ["Agreement (rwg)", decimal(result.rwg), "James, Demaree & Wolf: 1 - variance / variance of random answers; 0.70+ is strong"],
    ["Polarisation", decimal(result.polarisation), "van der Eijk: 0 = unimodal, 0.5 = uniform, 1 = two opposite camps"],
    ["On one level", percent(result.mode_share), "Share of votes at the most chosen level (Delphi percent agreement)"],
    ["On two neighbours", result.adjacent_pair ? `${percent(result.adjacent_share)}` : "–", result.adjacent_pair ? `Share on ${LEVEL_LABELS[result.adjacent_pair[0]]} and ${LEVEL_LABELS[result.adjacent_pair[1]]}` : ""],
    ["IQR", decimal(result.iqr, 1), "Interquartile range of the ranks (type 7 quartiles)"],
  ];
  const mine = null;
  return h("div", { class: "stack", "data-result": row.id },
    h("div", { class: "row" }, h("h3", { style: "margin:0" }, `Round ${round.number} results`), labelBadge(result.label),
      between ? h("span", { class: "state-pill", title: "The lower and upper medians differ" }, "between levels") : null),
    distributionChart(result.counts, { mine }),
    h("div", { class: "figures" }, figures.map(([name, value, title]) =>
      h("div", { class: "figure", title }, h("div", { class: "value" }, value), h("div", { class: "name" }, name)))),
    row.shift ? h("p", { "data-shift": row.shift.kind }, h("strong", {}, "Since round ", String(row.shift.from_round), ": "), row.shift.description) : null,
    segmentsTable(round, row.gap),
    reasonsBlock(row.id, round.number),
    consolidation(row, result, closed));
}

function segmentsTable(round, gap) {
  const segments = round.segments || [];
  if (!segments.length && !(round.hidden_segments || []).length) return null;
  return h("div", {},
    h("h4", {}, "By segment"),
    segments.length ? h("table", {},
      h("thead", {}, h("tr", {}, h("th", {}, "Segment"), h("th", { class: "number" }, "Rated"), h("th", {}, "Median"), h("th", { class: "number" }, "Mean"), h("th", {}, "Agreement"))),
      h("tbody", {}, segments.map((result) => {
        const name = result.segment;
        return h("tr", {}, h("td", {}, name), h("td", { class: "number" }, String(result.voters)),
          h("td", {}, result.median_low ? levelChip(result.median_low) : "–"), h("td", { class: "number" }, decimal(result.mean)),
          h("td", {}, labelBadge(result.label)));
      }))) : null,
    gap ? h("p", { class: "small" }, `Largest perception gap: ${gap.highest} rates this ${decimal(gap.gap)} levels higher than ${gap.lowest} on average.`) : null,
    round.hidden_segments.length ? h("p", { class: "small muted" },
      `Not shown, so nobody can be singled out: ${round.hidden_segments.join(", ")} (a segment's figures need ${state.settings.min_segment_size} or more people who rated, and must not reveal another group by subtraction).`) : null);
}

function reasonsBlock(id, roundNumber) {
  const key = `${id}:${roundNumber}`;
  const cached = reasonsCache[key];
  const container = h("div", { "data-reasons": id });
  const spotlighted = state.spotlight && state.spotlight.practice === id && state.spotlight.show_reasons;
  if (!cached) {
    container.append(h("button", { type: "button", "data-action": "load-reasons", onclick: async () => {
      const ack = await connection.request(EVENTS.REASONS, { practice: id, round: roundNumber });
      if (!ack.ok) return alertUser(ack.message);
      reasonsCache[key] = ack.reasons;
      render();
    } }, "Show the reasons given"));
    return container;
  }
  container.append(h("h4", {}, `Reasons given (${cached.length}), without names`),
    cached.length ? h("ul", { class: "reasons" }, cached.map((reason) => h("li", {}, levelChip(reason.level), " ", reason.note)))
      : h("p", { class: "muted" }, "Nobody gave a reason."),
    state.status === "running" ? h("button", { type: "button", "data-action": "spotlight", "aria-pressed": String(!!spotlighted),
      onclick: () => act(EVENTS.SPOTLIGHT, spotlighted ? {} : { practice: id, show_reasons: true }) },
    spotlighted ? "Hide reasons from the projector" : "Show reasons on the projector") : null);
  return container;
}

function consolidation(row, result, closed) {
  const decision = row.decision;
  const proposed = result.computed_level;
  const current = decision ? h("p", { "data-decision": decision.level }, h("strong", {}, "Group's level: "), levelChip(decision.level),
    decision.overridden ? [" (override of the computed ", levelChip(decision.computed_level), ")"] : " (the computed level)",
    decision.note ? h("span", { class: "small" }, ` Note: ${decision.note}`) : null) : null;
  if (closed) return h("div", {}, current || h("p", { class: "muted" }, "Not consolidated."));
  const select = h("select", { id: `override-${row.id}`, "data-override-level": "" },
    LEVELS.map((level) => h("option", { value: level, selected: (decision ? decision.level : proposed) === level || null }, LEVEL_LABELS[level])));
  const note = h("input", { type: "text", id: `override-note-${row.id}`, maxlength: LIMITS.note, "data-override-note": "",
    value: decision && decision.note ? decision.note : "" });
  const latestRound = row.rounds[row.rounds.length - 1];
  const canDecide = latestRound.revealed;
  return h("div", { class: "stack", style: "border-top:1px solid var(--border);padding-top:0.75rem" },
    h("h4", { style: "margin:0" }, "Consolidate"),
    current,
    canDecide ? h("div", { class: "toolbar" },
      proposed ? h("button", { type: "button", class: "primary", "data-action": "consolidate",
        onclick: () => act(EVENTS.CONSOLIDATE, { practice: row.id }) },
      "Accept ", LEVEL_LABELS[proposed], result.between_levels ? " (lower median)" : "", " ", h("kbd", {}, "c")) : h("span", { class: "muted" }, "No rated votes: choose a level."),
      h("button", { type: "button", "data-action": "revote", onclick: () => act(EVENTS.REVOTE, { practice: row.id }) }, "Re-vote ", h("kbd", {}, "v"))) : null,
    canDecide ? h("details", { "data-keep-open": `override-${row.id}` },
      h("summary", {}, "Override with another level"),
      h("div", { class: "row", style: "align-items:end;margin-top:0.5rem" },
        h("div", {}, h("label", { for: select.id }, "Level"), select),
        h("div", { style: "flex:1;min-width:12rem" }, h("label", { for: note.id }, "Why ", h("span", { class: "hint" }, "(recorded beside the computed level)")), note),
        h("button", { type: "button", "data-action": "override", onclick: async () => {
          const text = note.value.trim();
          if (select.value !== proposed && !text) {
            note.setAttribute("aria-invalid", "true");
            note.focus();
            return alertUser("Say why the group's level differs from the computed one: the note is recorded beside it.");
          }
          const ack = await act(EVENTS.CONSOLIDATE, { practice: row.id, level: select.value, ...(text ? { note: text } : {}) });
          if (ack && ack.ok) {
            sent(select.id, note.id);
            openDetails.delete(`override-${row.id}`);
            render();
          }
        } }, "Record"))) : h("p", { class: "muted small" }, "A new round is open: reveal it to consolidate."));
}

function tabs() {
  const names = { queue: "Discussion queue", placement: "Placement", all: "All results" };
  const list = h("div", { class: "tabs", role: "tablist", "aria-label": "Session results" },
    Object.entries(names).map(([key, label]) => h("button", {
      type: "button", role: "tab", id: `tab-${key}`, "aria-selected": String(tab === key), "aria-controls": "tab-panel",
      tabindex: tab === key ? "0" : "-1", "data-tab": key,
      onclick: () => { tab = key; render(); document.getElementById(`tab-${key}`).focus(); },
      onkeydown: (event) => {
        const keys = Object.keys(names);
        const index = keys.indexOf(key);
        if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
          tab = keys[(index + (event.key === "ArrowRight" ? 1 : keys.length - 1)) % keys.length];
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
  writeStorage(STORAGE.sessions, readStorage(STORAGE.sessions, []).filter((item) => item.code !== code));
  window.location.assign("/");
});

function queuePanel() {
  if (!state.queue.length) return h("p", { class: "muted" }, "Practices appear here once revealed, the most divided first.");
  return h("ol", { class: "reasons", "data-queue": "" }, state.queue.map((id) => {
    const result = detail(id).result;
    return h("li", { class: "queue-item", "data-queue-item": id },
      h("button", { type: "button", class: "link", style: "text-align:left", onclick: () => select(id) },
        `${info[id].position}. ${info[id].practice.text}`),
      h("span", { class: "row" }, labelBadge(result.label), h("span", { class: "small muted nowrap" }, `Cns ${decimal(result.consensus)}`)));
  }));
}

function placementPanel() {
  const placement = state.placement;
  const threshold = LEVEL_LABELS[placement.threshold];
  return h("div", { class: "stack", "data-placement": placement.stage || "none" },
    h("p", { class: "muted small" }, state.status === "closed" ? "Final placement." :
      "Live placement from the levels so far; practices not yet consolidated use their computed level (provisional)."),
    h("div", { class: "row", style: "align-items:flex-start;gap:2rem" },
      h("div", { style: "min-width:14rem" }, ladder(framework, placement)),
      h("div", { class: "stack", style: "flex:1;min-width:18rem" },
        h("p", { "data-explanation": "", style: "font-size:1.05rem" }, placement.explanation),
        placement.key_obstacle ? h("p", {}, h("strong", {}, "Key obstacle: "), placement.key_obstacle) : null,
        state.alpha !== null ? h("p", { class: "small muted", title: "Krippendorff's ordinal alpha over participants and practices" },
          `Reliability across practices (Krippendorff's α): ${decimal(state.alpha)}`) : null)),
    h("h3", {}, `Stage profile: practices ${threshold} or better`),
    profileChart(placement.profile, threshold),
    benchmarkBlock(),
    placement.next_stage ? h("div", {},
      h("h3", {}, `Action plan for ${placement.next_stage_name}`),
      h("ol", { "data-action-plan": "" }, placement.action_plan.map((item) => h("li", {},
        item.text, " ", levelChip(item.level, item.level ? `${LEVEL_LABELS[item.level]}${item.provisional ? " (provisional)" : ""}` : "not rated"),
        h("span", { class: "small muted" }, ` ${item.gap} level${item.gap === 1 ? "" : "s"} to go`))))) : null);
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
        if (tab === "placement") render();
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
  return heatMap(framework, state.practices, Object.fromEntries(order.map((id) => [id, info[id].position])));
}

// --- actions ---------------------------------------------------------------------------------------
async function act(event, payload) {
  if (!connection || !connection.online) return alertUser("Not connected: the action was not sent.");
  const ack = await connection.request(event, payload);
  if (!ack.ok) alertUser(ack.message || "The action failed.");
  else if (event === EVENTS.REVEAL) announce("Results revealed.");
  return ack;
}

function alertUser(message) {
  const region = $("[data-alerts]");
  region.textContent = message;
  let toast = $("[data-toast]");
  if (!toast) {
    toast = h("div", { class: "card", "data-toast": "", role: "alert",
      style: "position:fixed;bottom:1rem;right:1rem;max-width:28rem;z-index:50;border-color:var(--danger)" });
    document.body.append(toast);
  }
  replace(toast, h("strong", {}, "Not done: "), message, " ",
    h("button", { type: "button", class: "link", onclick: () => toast.remove() }, "Dismiss"));
  window.clearTimeout(alertUser.timer);
  alertUser.timer = window.setTimeout(() => toast.remove(), 8000);
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
    const index = order.indexOf(selected);
    select(order[Math.min(order.length - 1, Math.max(0, index + step))]);
  };
  const key = event.key;
  const actions = {
    j: () => move(1), ArrowDown: () => move(1), k: () => move(-1), ArrowUp: () => move(-1),
    o: () => running && act(EVENTS.OPEN, { practice: selected }),
    r: () => running && act(EVENTS.REVEAL, { practice: selected }),
    v: () => running && act(EVENTS.REVOTE, { practice: selected }),
    c: () => running && act(EVENTS.CONSOLIDATE, { practice: selected }),
    t: () => running && roomIsVoting() && act(EVENTS.TIMER, { seconds: 60 }),
    n: () => state.queue.length && select(state.queue[0]),
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
