// The projector: read-only, large type. Join code and QR while joining; the current practice and the
// number of votes; after a reveal the distribution and its label; at the end the placement ladder,
// the practices-by-levels heat map and the stage profile.
import { Connection, showStatus } from "./connection.js";
import { Countdown } from "./countdown.js";
import { distributionChart, heatMap, ladder, labelBadge, levelChip, profileChart } from "./charts.js";
import { EVENTS, LEVEL_LABELS, STORAGE } from "./protocol.js";
import { $, announce, bootstrap, h, readStorage, replace, writeStorage } from "./dom.js";

const main = $("[data-page=presenter]");
const stage = $("[data-stage]");
const code = main.dataset.code;
const joinUrl = main.dataset.joinUrl;
const joinBase = joinUrl.replace(/\/join\/.*/, "");
$("[data-join-base]").textContent = joinBase;

const framework = bootstrap().framework;
let state = null;
let tally = null;
const info = {};
let position = 0;
framework.stages.forEach((item) => item.practices.forEach((practice) => {
  position += 1;
  info[practice.id] = { practice, stage: item, position };
}));
const countdown = new Countdown(" left");

const match = window.location.hash.match(/key=([A-Za-z0-9_-]+)/);
if (match) {
  writeStorage(STORAGE.presenter(code), match[1]);
  history.replaceState(null, "", window.location.pathname);
}
const token = readStorage(STORAGE.presenter(code));

if (!token) {
  replace(stage, h("div", { class: "card" }, h("h1", {}, "Presenter view"),
    h("p", {}, "Open this page with the presenter link from the facilitator's page (it ends with #key=…).")));
} else {
  const connection = new Connection((conn) => conn.raw(EVENTS.WATCH, { code, presenter_token: token }));
  showStatus(connection, $("[data-status]"));
  connection.addEventListener("bound", (event) => {
    state = null;
    receive(event.detail.state);
  });
  connection.addEventListener("bind-failed", (event) => {
    replace(stage, h("div", { class: "card" }, h("h1", {}, "Cannot show this session"), h("p", {}, event.detail.message || "")));
  });
  connection.on(EVENTS.STATE, receive);
  connection.on(EVENTS.TALLY, (next) => {
    if (!state || next.version < state.version) return;
    tally = next;
    $("[data-people]").textContent = String(next.participants.present);
    const big = $("[data-people-big]");
    if (big) big.textContent = String(next.participants.joined);
    for (const [id, votes] of Object.entries(next.votes)) {
      for (const element of document.querySelectorAll(`[data-votes-for="${CSS.escape(id)}"]`)) element.textContent = String(votes);
    }
  });
}

function receive(next) {
  if (state && next.version < state.version) return;
  const before = state;
  state = next;
  tally = null;
  $("[data-title]").textContent = state.title;
  $("[data-people]").textContent = String(state.participants.present);
  render();
  countdown.sync(state.timer);
  if (before && state.current) {
    const old = before.practices.find((item) => item.id === state.current);
    const now = detail(state.current);
    if (now.status === "revealed" && old && old.status !== "revealed") announce(`Results: ${now.result.label_text}`);
  }
}

function detail(id) {
  return state.practices.find((practice) => practice.id === id);
}

function votes(id) {
  return tally && tally.votes[id] !== undefined ? tally.votes[id] : detail(id).votes;
}

function render() {
  if (!state || !framework) return;
  const spotlight = state.spotlight;
  if (state.status === "closed") return replace(stage, finalView());
  if (spotlight && spotlight.practice && info[spotlight.practice]) return replace(stage, practiceView(spotlight.practice, spotlight));
  if (state.current) return replace(stage, practiceView(state.current));
  if (state.practices.some((practice) => practice.status === "open")) return replace(stage, selfPacedView());
  if (state.practices.some((practice) => practice.status === "revealed")) return replace(stage, overviewView());
  return replace(stage, joinView());
}

function joinView() {
  return h("section", { class: "join-screen", "data-view": "join" },
    h("img", { src: `/qr/${code}.svg`, alt: `QR code that opens ${joinUrl}` }),
    h("div", {},
      h("h1", {}, state.title),
      h("p", {}, "Scan the QR code, or go to ", h("strong", {}, joinBase), " and enter"),
      h("div", { class: "big-code", "data-code": "" }, code),
      h("p", { class: "votes-in" }, h("span", { "data-people-big": "" }, String(state.participants.joined)), " joined")));
}

function practiceView(id, spotlight = null) {
  const row = detail(id);
  const { practice, stage: practiceStage, position } = info[id];
  const result = row.result;
  const header = [
    h("p", { class: "practice-meta" }, `Practice ${position} of ${state.total_practices} · ${practiceStage.name}${row.round > 1 ? ` · round ${row.round}` : ""}`),
    h("h1", { class: "practice-text" }, practice.text),
  ];
  if (row.status === "open") {
    return h("section", { "data-view": "voting", "data-practice": id }, header,
      h("p", { class: "votes-in" }, h("span", { "data-votes-for": id }, String(votes(id))), " answers in"),
      h("p", { class: "timer", "data-timer": "" }),
      h("p", { class: "muted" }, "Answer on your phone. Results stay hidden until everyone is done."));
  }
  if (row.status === "revealed" && result) {
    return h("section", { "data-view": "result", "data-practice": id }, header,
      h("div", { class: "row" }, labelBadge(result.label), h("span", { class: "muted" }, `${result.voters} rated, ${result.abstaining} don't know`),
        row.consolidated_level ? ["Group's level: ", levelChip(row.consolidated_level)] : null),
      distributionChart(result.counts, { large: true }),
      spotlight && spotlight.show_reasons && spotlight.reasons ? h("div", {},
        h("h2", {}, "Reasons given"),
        h("ul", { class: "reasons", "data-spotlight-reasons": "" }, spotlight.reasons.slice(0, 12).map((reason) =>
          h("li", {}, levelChip(reason.level), " ", reason.note)))) : null);
  }
  return h("section", { "data-view": "waiting" }, header, h("p", { class: "muted" }, "Not opened yet."));
}

function selfPacedView() {
  const open = state.practices.filter((practice) => practice.status === "open");
  return h("section", { "data-view": "self-paced" },
    h("h1", {}, "Answer at your own pace on your phone"),
    h("p", { class: "votes-in" }, `${open.length} practices open`),
    h("ul", { class: "reasons" }, open.slice(0, 8).map((practice) => h("li", {},
      `${info[practice.id].position}. ${info[practice.id].practice.text} · `, h("strong", { "data-votes-for": practice.id }, String(votes(practice.id))), " answers"))));
}

function overviewView() {
  return h("section", { "data-view": "overview" }, h("h1", {}, "Results so far"),
    heatMap(framework, state.practices, Object.fromEntries(Object.entries(info).map(([id, item]) => [id, item.position]))));
}

function finalView() {
  const placement = state.placement;
  return h("section", { class: "stack", "data-view": "final", "data-placement": placement.stage || "none" },
    h("h1", {}, placement.stage_name ? `Placed in ${placement.stage_name}` : `Not yet placed in ${framework.stages[0].name}`),
    h("div", { class: "row", style: "align-items:flex-start;gap:3vw" },
      h("div", { style: "min-width:16rem" }, ladder(framework, placement)),
      h("div", { class: "stack", style: "flex:1;min-width:20rem" },
        h("p", {}, placement.explanation),
        placement.key_obstacle ? h("p", {}, h("strong", {}, "Key obstacle: "), placement.key_obstacle) : null,
        h("h2", {}, `Stage profile (${LEVEL_LABELS[placement.threshold]} or better)`),
        profileChart(placement.profile, LEVEL_LABELS[placement.threshold]))),
    h("h2", {}, "Practices by level"),
    heatMap(framework, state.practices, Object.fromEntries(Object.entries(info).map(([id, item]) => [id, item.position]))));
}

