// The projector: read-only, large type, one screen that never scrolls. Join code and a large QR code
// while joining (a small one in the corner all the time, for latecomers); the current practice and
// the number of answers; after a reveal the verdict, the bars and, if the facilitator spotlights
// them, the reasons or the segments; at the end the verdict, the ladder, the profile and the heat
// map, in turn. Long lists are paged, never cut off; → or a click turns the page.
import { Connection, showStatus } from "./connection.js";
import { Countdown } from "./countdown.js";
import { distributionChart, heatMap, ladder, practiceLevel, profileChart, verdict } from "./charts.js";
import { indexFramework } from "./framework.js";
import { EVENTS, STORAGE } from "./protocol.js";
import { $, announce, bootstrap, counted, h, paintCount, readStorage, replace, writeStorage } from "./dom.js";

const main = $("[data-page=presenter]");
const stage = $("[data-stage]");
const code = main.dataset.code;
const joinUrl = main.dataset.joinUrl;
const joinBase = joinUrl.replace(/\/join\/.*/, "");
$("[data-join-base]").textContent = joinBase.replace(/^https?:\/\//, "");

const framework = bootstrap().framework;
const index = indexFramework(framework);
let state = null;
let tally = null;
const countdown = new Countdown(" left");
const PAGE_SECONDS = 8;
let rotations = [];
let pageShown = {}; // page each rotation of the current view is on

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
    paintPeople(next.participants);
    for (const [id, votes] of Object.entries(next.votes)) paintCount(id, votes);
  });
}
let resizing = null;
window.addEventListener("resize", () => {
  window.clearTimeout(resizing);
  resizing = window.setTimeout(render, 120);
});
const turnPages = () => rotations.forEach((rotation) => rotation.turn());
window.addEventListener("keydown", (event) => {
  if (["ArrowRight", "PageDown", " "].includes(event.key)) {
    event.preventDefault();
    turnPages();
  }
});
stage.addEventListener("click", turnPages);

function paintPeople(people) {
  $("[data-people]").textContent = String(people.present);
  for (const element of document.querySelectorAll("[data-people-joined]")) element.textContent = String(people.joined);
}

function receive(next) {
  if (state && next.version < state.version) return;
  const before = state;
  state = next;
  tally = null;
  $("[data-title]").textContent = state.title;
  paintPeople(state.participants);
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
  rotations.forEach((rotation) => rotation.stop());
  rotations = [];
  const spotlight = state.spotlight;
  let view;
  if (state.status === "closed") view = finalView();
  else if (spotlight && spotlight.practice && index.info[spotlight.practice]) view = practiceView(spotlight.practice, spotlight);
  else if (state.current) view = practiceView(state.current);
  else if (state.practices.some((practice) => practice.status === "open")) view = selfPacedView();
  else if (state.practices.some((practice) => practice.status === "revealed")) view = overviewView();
  else view = joinView();
  main.dataset.screenView = view.dataset.view;
  const shown = `${view.dataset.view}:${view.dataset.practice || ""}`;
  if (stage.dataset.shown !== shown) pageShown = {};
  stage.dataset.shown = shown;
  $("[data-corner-qr]").hidden = view.dataset.view === "join";
  replace(stage, view);
  fit();
  countdown.paint();
}

const DENSITIES = ["", "tight", "tighter"];

/** Make the screen fit: tighten the layout step by step, then page what is still too long. */
function fit() {
  const practicesPanel = stage.querySelector("[data-final-panel=practices]");
  if (practicesPanel) practicesPanel.hidden = true; // the verdict panel sets the density
  for (const density of DENSITIES) {
    main.dataset.density = density;
    if (stage.scrollHeight <= stage.clientHeight + 1) break;
  }
  if (stage.querySelector("[data-final-panel]")) rotateFinal();
  else for (const list of stage.querySelectorAll("[data-paged]")) paginate(list);
}

/** Split a list into screenfuls (null when it fits): whole rows only, pages about as full as each other. */
function pagesOf(box) {
  const list = box.querySelector("tbody") || box;
  const items = [...list.children];
  if (!items.length || box.scrollHeight <= box.clientHeight + 1) return null;
  const head = box.querySelector("thead");
  const room = box.clientHeight - (head ? head.getBoundingClientRect().height : 0);
  const heights = items.map((item) => item.getBoundingClientRect().height + parseFloat(getComputedStyle(item).marginTop || 0));
  const pack = (limit) => {
    const pages = [[]];
    let used = 0;
    items.forEach((item, number) => {
      if (pages.at(-1).length && used + heights[number] > limit) {
        pages.push([]);
        used = 0;
      }
      pages.at(-1).push(item);
      used += heights[number];
    });
    return pages;
  };
  const fullest = pack(room);
  // as few pages as filling each screen gives, but spread evenly (6, 6, 1 becomes 5, 4, 4)
  const total = heights.reduce((sum, height) => sum + height, 0);
  for (let limit = Math.max(...heights, total / fullest.length); limit < room; limit += room / 40) {
    const even = pack(limit);
    if (even.length <= fullest.length) return even;
  }
  return fullest;
}

/**
 * Turn through steps every few seconds, with "n of m" under them; → (or a click) turns at once,
 * for whoever sits at the projector's laptop.
 */
function rotate(steps, indicatorAfter) {
  const indicator = h("p", { class: "page-indicator", "data-page-indicator": "" });
  indicatorAfter.after(indicator);
  const key = `${stage.dataset.shown}:${rotations.length}`;
  let current = Math.min(pageShown[key] || 0, steps.length - 1); // a re-render (new state, resize) keeps the page
  let timer = null;
  const show = () => {
    pageShown[key] = current;
    steps[current]();
    indicator.textContent = `${current + 1} of ${steps.length}`;
    indicator.dataset.page = String(current + 1);
    window.clearTimeout(timer);
    timer = window.setTimeout(turn, PAGE_SECONDS * 1000);
  };
  const turn = () => {
    current = (current + 1) % steps.length;
    show();
  };
  show();
  rotations.push({ turn, stop: () => window.clearTimeout(timer) });
}

function showOnly(pages, number) {
  pages.forEach((members, index) => members.forEach((item) => { item.hidden = index !== number; }));
}

/** Show a list one screenful at a time: never cut off. */
function paginate(box) {
  const pages = pagesOf(box);
  if (pages) rotate(pages.map((_, number) => () => showOnly(pages, number)), box);
}

/** The final screen alternates the verdict with the practices, a screenful at a time. */
function rotateFinal() {
  const verdictPanel = stage.querySelector("[data-final-panel=verdict]");
  const practicesPanel = stage.querySelector("[data-final-panel=practices]");
  const table = practicesPanel.querySelector("[data-paged]");
  verdictPanel.hidden = true;
  practicesPanel.hidden = false;
  const pages = pagesOf(table) || [[...table.querySelector("tbody").children]];
  const panel = (showVerdict) => {
    verdictPanel.hidden = !showVerdict;
    practicesPanel.hidden = showVerdict;
  };
  rotate([() => panel(true), ...pages.map((_, number) => () => { panel(false); showOnly(pages, number); })], practicesPanel);
}

function joinView() {
  return h("section", { class: "join-screen", "data-view": "join" },
    h("img", { src: `/qr/${code}.svg`, alt: `QR code that opens ${joinUrl}`, "data-join-qr": "" }),
    h("div", { class: "join-words" },
      h("h1", {}, state.title),
      h("p", {}, "Scan the code, or go to ", h("strong", {}, joinBase.replace(/^https?:\/\//, "")), " and enter"),
      h("div", { class: "big-code", "data-code": "" }, code),
      h("p", { class: "votes-in" }, h("span", { "data-people-joined": "" }, String(state.participants.joined)), " joined")));
}

function header(id, row) {
  const { practice, position, kind } = index.info[id];
  const meta = kind === "stage_vote" ? "Stage vote: which description fits us best?" : `Practice ${position} of ${state.total_practices}`;
  return h("header", { class: "practice-header" },
    h("p", { class: "practice-meta" }, meta, row.round > 1 ? ` · re-vote, round ${row.round}` : ""),
    h("h1", { class: "practice-text" }, practice.text));
}

function practiceView(id, spotlight = null) {
  const row = detail(id);
  const { options } = index.info[id];
  if (row.status === "open") {
    return h("section", { class: "screen", "data-view": "voting", "data-practice": id }, header(id, row),
      h("div", { class: "voting-body" },
        h("p", { class: "votes-in" }, h("span", { "data-votes-for": id, "data-noun": "answer" }, counted(votes(id), "answer")), " in"),
        h("p", { class: "timer", "data-timer": "" }),
        h("p", { class: "muted" }, "Answer on your phone. Results stay hidden until the facilitator reveals them.")));
  }
  if (row.status !== "revealed" || !row.result) {
    return h("section", { class: "screen", "data-view": "waiting" }, header(id, row), h("p", { class: "muted" }, "Not opened yet."));
  }
  const result = row.result;
  const revealed = row.rounds.filter((round) => round.result);
  const previous = revealed.length > 1 ? { ...revealed[revealed.length - 2].result, round: revealed[revealed.length - 2].number } : null;
  const names = (value) => index.answerName(id, value);
  const side = [];
  if (spotlight && spotlight.show_reasons) {
    side.push(h("h2", {}, "Reasons given", h("span", { class: "muted" }, ` (round ${spotlight.round || result.round}, anonymous)`)),
      spotlight.reasons.length
        ? h("ul", { class: "reasons projected", "data-spotlight-reasons": "", "data-paged": "" }, spotlight.reasons.map((reason) =>
          h("li", {}, h("span", { class: "level-chip", "data-level": reason.level }, names(reason.level)), " ", reason.note)))
        : h("p", { class: "muted" }, "Nobody gave a reason."));
  } else if (spotlight && spotlight.show_segments && revealed.length) {
    const segments = revealed[revealed.length - 1].segments || [];
    side.push(h("h2", {}, "By group"), segments.length ? h("div", { class: "segments", "data-spotlight-segments": "", "data-paged": "" },
      segments.map((segment) => h("div", { class: "segment" }, h("h3", {}, segment.segment, h("span", { class: "muted" }, ` · ${segment.voters} rated`)),
        distributionChart(segment, { options, size: "compact" }))))
      : h("p", { class: "muted" }, "No group is large enough to show without singling anyone out."));
  }
  return h("section", { class: "screen", "data-view": "result", "data-practice": id }, header(id, row),
    verdict(result),
    h("div", { class: `result-body${side.length ? " with-side" : ""}` },
      h("div", { class: "result-main" },
        distributionChart(result, { options, previous, size: side.length ? "medium" : "large" }),
        h("p", { class: "result-facts" }, `${result.voters} rated · ${result.abstaining} don't know`,
          row.level && !row.provisional ? [" · group's level: ", practiceLevel(row, names)] : null)),
      side.length ? h("div", { class: "result-side" }, side) : null));
}

function selfPacedView() {
  const open = state.practices.filter((practice) => practice.status === "open" && index.info[practice.id]);
  return h("section", { class: "screen", "data-view": "self-paced" },
    h("h1", {}, "Answer at your own pace on your phone"),
    h("p", { class: "votes-in" }, `${counted(open.length, "practice")} open`, " ", h("span", { class: "timer", "data-timer": "" })),
    h("ul", { class: "reasons projected", "data-paged": "" }, open.map((practice) => h("li", {},
      `${index.info[practice.id].position}. ${index.info[practice.id].practice.text} · `,
      h("strong", { "data-votes-for": practice.id, "data-noun": "answer" }, counted(votes(practice.id), "answer"))))));
}

function heatRows() {
  const table = heatMap(index, state.practices);
  table.dataset.paged = "";
  return table;
}

function overviewView() {
  return h("section", { class: "screen", "data-view": "overview" }, h("h1", {}, "Results so far"), heatRows());
}

function finalView() {
  const placement = state.placement;
  const vote = placement.vote;
  return h("section", { class: "screen", "data-view": "final", "data-placement": placement.stage || "none" },
    h("div", { class: "final-panel", "data-final-panel": "verdict" },
      h("h1", { class: "final-verdict", "data-headline": "" }, placement.headline),
      h("div", { class: "final-body" },
        h("div", { class: "final-ladder" }, ladder(framework, placement),
          vote && placement.suggested_stage_name && placement.suggested_stage !== placement.stage
            ? h("p", { class: "muted" }, `The practice ratings suggest ${placement.suggested_stage_name}.`) : null),
        h("div", { class: "final-profile" }, h("h2", {}, "Stage profile"), profileChart(placement.profile),
          placement.key_obstacle ? h("p", { class: "obstacle" }, h("strong", {}, "Key obstacle: "), placement.key_obstacle) : null))),
    h("div", { class: "final-panel", "data-final-panel": "practices" },
      h("h1", {}, "Practice by practice"),
      heatRows()));
}
