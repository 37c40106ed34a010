// The organisation page: assessments over time, trends, comparisons, the next due date.
// The organisation key comes from the URL fragment (#key=..., never sent to the server in a URL) or
// this device's localStorage, and is sent as a bearer token to /api/orgs/<name>.
import { FORMATS, downloadSummary } from "./downloads.js";
import { $, h, replace } from "./dom.js";
import { LEVEL_LABELS, LABEL_TEXT, LABEL_ICONS } from "./protocol.js";
import { readOrganizationKey, rememberOrganizationKey } from "./organization.js";

const SVG = "http://www.w3.org/2000/svg";
const main = $("[data-page=organization]");
const api = main.dataset.orgApi;
let name = main.dataset.orgName;
let key = null;
let view = null;

const status = $("[data-org-status]");
const keyForm = $("[data-key-form]");
const keyInput = $("[data-key-input]");
const keyError = $("[data-key-error]");
const content = $("[data-org-content]");

function takeKeyFromFragment() {
  const match = window.location.hash.match(/(?:^#|&)key=([A-Za-z0-9_-]{16,128})/);
  if (!match) return null;
  // keep the secret out of the address bar, history and screenshots once it is stored
  history.replaceState(null, "", window.location.pathname + window.location.search);
  return match[1];
}

async function load(query = "") {
  status.textContent = "Loading…";
  let response;
  try {
    response = await fetch(api + query, { headers: { Authorization: `Bearer ${key}` } });
  } catch {
    status.textContent = "The server cannot be reached. Check the connection and reload the page.";
    return null;
  }
  const body = await response.json().catch(() => ({}));
  if (response.status === 401 || response.status === 403) {
    rememberOrganizationKey(name, null);
    askForKey(response.status === 403 ? body.message || "This key does not open this organisation." : null);
    return null;
  }
  if (!response.ok) {
    status.textContent = body.message || "The organisation could not be loaded.";
    content.hidden = true;
    return null;
  }
  return body;
}

function askForKey(message) {
  status.textContent = "This page needs the organisation's key.";
  content.hidden = true;
  keyForm.hidden = false;
  keyError.hidden = !message;
  keyError.textContent = message || "";
  if (message) keyInput.setAttribute("aria-invalid", "true");
  keyInput.focus();
}

keyForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const typed = keyInput.value.trim();
  if (!typed) {
    askForKey("Paste the organisation key.");
    return;
  }
  key = typed;
  keyInput.removeAttribute("aria-invalid");
  await refresh();
});

async function refresh(query = "") {
  const body = await load(query);
  if (!body) return;
  view = body;
  name = body.organization.name;
  rememberOrganizationKey(name, key);
  keyForm.hidden = true;
  render(body);
}

// --- rendering -------------------------------------------------------------------------------------

function render(body) {
  document.title = `${body.organization.name} · CX maturity over time`;
  $("[data-org-title]").textContent = body.organization.name;
  status.textContent = summaryText(body);
  renderDue(body);
  replace($("[data-trends]"), body.trends.length ? body.trends.map((trend) => trendSection(trend, body))
    : h("section", { class: "card" }, h("h2", {}, "Progress over time"),
      h("p", { class: "muted" }, "Trends and comparisons appear here once an assessment has rated practices.")));
  replace($("[data-sessions]"), body.sessions.map(sessionRow));
  content.hidden = false;
}

function summaryText(body) {
  const count = body.sessions.length;
  if (!count) return "No assessment yet.";
  const first = body.sessions[count - 1].date;
  return `${count} assessment${count === 1 ? "" : "s"} since ${formatDate(first)}.`;
}

function renderDue(body) {
  const due = body.due;
  const start = $("[data-action=start-next]");
  $("[data-review-months]").value = String(body.organization.review_months);
  if (!due) {
    $("[data-due]").textContent = "No assessment yet: start the first one.";
    start.href = "/new";
    return;
  }
  const days = due.days_left;
  const when = days < 0 ? `overdue by ${-days} day${days === -1 ? "" : "s"}`
    : days === 0 ? "due today" : `in ${days} day${days === 1 ? "" : "s"}`;
  replace($("[data-due]"),
    h("strong", { "data-due-date": due.due }, formatDate(due.due)), ` (${when}): `,
    `${due.interval_months} month${due.interval_months === 1 ? "" : "s"} after the last assessment on ${formatDate(due.last)}.`);
  $("[data-due]").dataset.overdue = String(due.overdue);
  start.href = body.next.url;
}

function formatDate(iso) {
  const date = new Date(`${iso}T12:00:00Z`);
  return date.toLocaleDateString(undefined, { year: "numeric", month: "long", day: "numeric", timeZone: "UTC" });
}

function levelChip(level, provisional) {
  if (!level) return h("span", { class: "level-chip", "data-level": "none" }, "–");
  return h("span", { class: "level-chip", "data-level": level, title: provisional ? "provisional: not consolidated" : null },
    LEVEL_LABELS[level] + (provisional ? " *" : ""));
}

function badge(label) {
  if (!label) return null;
  return h("span", { class: "badge", "data-label": label },
    h("span", { "aria-hidden": "true" }, LABEL_ICONS[label] || ""), LABEL_TEXT[label] || label);
}

function trendSection(trend, body) {
  const sessions = trend.sessions;
  const first = sessions[0].date;
  const last = sessions[sessions.length - 1].date;
  const section = h("section", { class: "card stack", "data-trend": trend.framework, "aria-labelledby": `trend-${trend.framework}` },
    h("h2", { id: `trend-${trend.framework}` }, trend.framework_name),
    h("p", { class: "small muted" }, sessions.length === 1
      ? `One assessment with rated practices, on ${first}: a trend needs a second one.`
      : `${sessions.length} assessments with rated practices, from ${first} to ${last}.`),
    h("h3", {}, "Placement over time"),
    placementChart(trend),
    h("h3", {}, "Practices over time"),
    practiceTable(trend),
    h("p", { class: "small muted" }, "* provisional: computed from the votes, not consolidated by the facilitator."));
  if (sessions.length >= 2) section.append(comparePanel(trend, body));
  return section;
}

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [attribute, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined) element.setAttribute(attribute, String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

function placementChart(trend) {
  const names = ["Not placed", ...trend.stages.map((stage) => stage.name)];
  const sessions = trend.sessions;
  const left = 140;
  const right = 40;
  const top = 14;
  const row = 30;
  const bottom = 36;
  const width = Math.max(460, left + right + Math.max(1, sessions.length - 1) * 120);
  const height = top + row * (names.length - 1) + bottom;
  const y = (index) => top + (names.length - 1 - index) * row;
  const x = (index) => (sessions.length === 1 ? left + (width - left - right) / 2
    : left + (index * (width - left - right)) / (sessions.length - 1));
  const description = sessions.map((session) => `${session.date}: ${session.stage_name || "not placed"}`).join("; ");
  const id = `placement-${trend.framework}`;
  const chart = svg("svg", {
    class: "chart trend-chart", viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-labelledby": `${id}-title`,
    "data-placement-chart": trend.framework,
  }, svg("title", { id: `${id}-title` }, `Stage reached per assessment: ${description}`));
  names.forEach((stageName, index) => {
    chart.append(
      svg("line", { class: "axis", x1: left - 10, x2: width - right + 20, y1: y(index), y2: y(index) }),
      svg("text", { x: 0, y: y(index) + 5, "font-size": 14, "font-weight": 600 }, stageName));
  });
  const points = sessions.map((session, index) => `${x(index)},${y(session.stage_index)}`).join(" ");
  chart.append(svg("polyline", { points, fill: "none", class: "trend-line", "stroke-width": 3 }));
  sessions.forEach((session, index) => {
    chart.append(
      svg("circle", { cx: x(index), cy: y(session.stage_index), r: 7, class: "trend-point" },
        svg("title", {}, `${session.date}: ${session.stage_name || "not placed"}`)),
      svg("text", { x: x(index), y: height - 10, "font-size": 13, "text-anchor": "middle" }, session.date));
  });
  return h("div", { class: "chart-scroll" }, chart);
}

function practiceTable(trend) {
  const stageName = Object.fromEntries(trend.stages.map((stage) => [stage.id, stage.name]));
  const header = h("tr", {}, h("th", { scope: "col" }, "Practice"),
    trend.sessions.map((session) => h("th", { scope: "col" }, session.date,
      h("span", { class: "visually-hidden" }, ` ${session.title}`))),
    h("th", { scope: "col" }, "Change"));
  const rows = [];
  let stage = null;
  for (const practice of trend.practices) {
    if (practice.stage !== stage) {
      stage = practice.stage;
      rows.push(h("tr", { class: "stage-row" }, h("th", { colspan: trend.sessions.length + 2, scope: "colgroup" }, stageName[stage] || stage)));
    }
    const change = practice.change;
    rows.push(h("tr", { "data-trend-practice": practice.practice },
      h("th", { scope: "row", class: "practice-cell" }, practice.text),
      practice.levels.map((level, index) => h("td", {}, levelChip(level, practice.provisional[index]))),
      h("td", { class: "nowrap", "data-change": change === null ? "" : String(change) },
        change === null ? "–" : change > 0 ? `↑ ${change} level${change === 1 ? "" : "s"}`
          : change < 0 ? `↓ ${-change} level${change === -1 ? "" : "s"}` : "= same")));
  }
  return h("div", { class: "table-scroll" },
    h("table", { class: "trend-table" }, h("thead", {}, header), h("tbody", {}, rows)));
}

function comparePanel(trend, body) {
  const sessions = trend.sessions;
  const preset = body.comparison && body.comparison.earlier.framework === trend.framework ? body.comparison
    : body.comparisons.find((item) => item.earlier.framework === trend.framework);
  const options = (selected) => sessions.map((session) => h("option", { value: session.code, selected: session.code === selected },
    `${session.date} · ${session.title} (${session.code})`));
  const fromId = `compare-from-${trend.framework}`;
  const toId = `compare-to-${trend.framework}`;
  const form = h("form", { class: "compare-form", "data-compare-form": trend.framework },
    h("div", { class: "field" }, h("label", { for: fromId }, "Earlier assessment"),
      h("select", { id: fromId, name: "from" }, options(preset ? preset.earlier.code : sessions[sessions.length - 2].code))),
    h("div", { class: "field" }, h("label", { for: toId }, "Later assessment"),
      h("select", { id: toId, name: "to" }, options(preset ? preset.later.code : sessions[sessions.length - 1].code))),
    h("button", { type: "submit" }, "Compare"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const query = `?from=${encodeURIComponent(data.get("from"))}&to=${encodeURIComponent(data.get("to"))}`;
    const result = await load(query);
    if (!result) return;
    status.textContent = summaryText(result);
    if (!result.comparison) return;
    replace(output, comparison(result.comparison));
  });
  const output = h("div", { class: "stack", "aria-live": "polite", "data-comparison": trend.framework },
    preset ? comparison(preset) : null);
  return h("div", { class: "stack" }, h("h3", {}, "Compare two assessments"), form, output);
}

function comparison(result) {
  const list = (title, items, describe, name) => h("div", { class: "compare-list", "data-list": name },
    h("h4", {}, `${title} (${items.length})`),
    items.length ? h("ul", {}, items.map((item) => h("li", {}, item.text, " ", describe(item)))) : h("p", { class: "small muted" }, "None."));
  const move = (item) => h("span", { class: "nowrap" }, levelChip(item.before), " → ", levelChip(item.after, item.provisional));
  return [
    h("p", { class: "compare-summary", "data-compare-summary": "" }, result.summary),
    h("div", { class: "compare-grid" },
      list("Improved", result.improved, move, "improved"),
      list("Regressed", result.regressed, move, "regressed"),
      list("Done from the earlier action plan", result.actions_done, move, "actions_done"),
      list("Still open from the earlier action plan", result.actions_open, move, "actions_open"),
      list("New disagreements", result.new_disagreements, (item) => badge(item.after_label), "new_disagreements"),
      list("Still at Missing or Ad Hoc", result.still_stuck, move, "still_stuck")),
  ];
}

function sessionRow(session) {
  const running = session.status !== "closed";
  return h("tr", { "data-session": session.code },
    h("td", { class: "nowrap" }, session.date),
    h("td", {}, h("strong", {}, session.title), running ? h("span", { class: "state-pill", "data-status": "open" }, "running") : null,
      h("div", { class: "small muted" }, [session.team, session.framework_name, session.code].filter(Boolean).join(" · "))),
    h("td", {}, session.stage_name || (session.rated ? "not placed" : "not rated yet")),
    h("td", { class: "number" }, String(session.participants)),
    h("td", {}, h("div", { class: "download-links" }, FORMATS.map(([format, label]) =>
      h("button", { type: "button", class: "link", "data-download": format, "aria-label": `${label} summary of ${session.title} (${session.date})`,
        onclick: () => download(session.code, format) }, label)))));
}

function download(code, format) {
  return downloadSummary(code, format, key, $("[data-download-status]"));
}

$("[data-review-form]").addEventListener("submit", async (event) => {
  event.preventDefault();
  const months = Number($("[data-review-months]").value);
  const note = $("[data-review-status]");
  const response = await fetch(api, {
    method: "PATCH", headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: JSON.stringify({ review_months: months }),
  }).catch(() => null);
  if (!response || !response.ok) {
    note.textContent = "The interval could not be saved.";
    return;
  }
  note.textContent = `Saved: an assessment every ${months} month${months === 1 ? "" : "s"}.`;
  const body = await load();
  if (body) {
    view = body;
    renderDue(body);
  }
});

$("[data-action=copy-link]").addEventListener("click", async () => {
  const link = `${window.location.origin}${window.location.pathname}#key=${key}`;
  const note = $("[data-access-status]");
  try {
    await navigator.clipboard.writeText(link);
    note.textContent = "Copied. Whoever opens this link can see this organisation's assessments.";
  } catch {
    note.textContent = `Copy this link: ${link}`;
  }
});

$("[data-action=forget-key]").addEventListener("click", () => {
  rememberOrganizationKey(name, null);
  key = null;
  view = null;
  askForKey(null);
  $("[data-access-status]").textContent = "";
});

// --- start ----------------------------------------------------------------------------------------------

key = takeKeyFromFragment() || readOrganizationKey(name);
if (key) refresh();
else askForKey(null);
