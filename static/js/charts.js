// Charts drawn as SVG by our own code. Every bar carries its level's name and count as text, so the
// colours (Okabe-Ito, colour-blind safe) are never the only carrier of meaning.
import { LEVELS, LEVEL_LABELS, UNKNOWN, LABEL_TEXT, LABEL_ICONS } from "./protocol.js";
import { h } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
let chartCount = 0;

function s(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined) continue;
    // CSS variables only work in style, not in SVG presentation attributes (fill="var(...)").
    if ((name === "fill" || name === "stroke") && String(value).includes("var(")) element.style.setProperty(name, value);
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

function hatch(id) {
  return s("defs", {},
    s("pattern", { id, width: 8, height: 8, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" },
      s("rect", { width: 8, height: 8, fill: "var(--surface-2)" }),
      s("line", { x1: 0, y1: 0, x2: 0, y2: 8, stroke: "var(--level-unknown)", "stroke-width": 4 })));
}

/** A sentence describing a distribution, for screen readers and the chart's <title>. */
export function describeCounts(counts) {
  const parts = [...LEVELS, UNKNOWN].map((level) => `${LEVEL_LABELS[level]} ${counts[level] || 0}`);
  return parts.join(", ");
}

/**
 * Horizontal bars: one row per level plus "don't know". Percentages are of the rated votes;
 * "don't know" shows its count only (it is not part of the distribution).
 * @param {object} counts {missing, ad_hoc, repeatable, systematic, unknown}
 * @param {{mine?: string, large?: boolean, title?: string}} options
 */
export function distributionChart(counts, options = {}) {
  const id = `chart-${++chartCount}`;
  const rows = [...LEVELS, UNKNOWN];
  const rated = LEVELS.reduce((sum, level) => sum + (counts[level] || 0), 0);
  const largest = Math.max(1, ...rows.map((level) => counts[level] || 0));
  const rowHeight = options.large ? 56 : 38;
  const labelWidth = options.large ? 230 : 120;
  const width = options.large ? 1000 : 520;
  const valueWidth = options.large ? 240 : 150;
  const barSpace = width - labelWidth - valueWidth;
  const height = rows.length * rowHeight + 8;
  const fontSize = options.large ? 26 : 15;
  const title = options.title || `Votes: ${describeCounts(counts)}`;
  const svg = s("svg", {
    class: `chart distribution${options.large ? " large" : ""}`, viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-labelledby": `${id}-title`, width: "100%", preserveAspectRatio: "xMinYMin meet",
  }, s("title", { id: `${id}-title` }, title), hatch(`hatch-unknown-${id}`));
  rows.forEach((level, index) => {
    const count = counts[level] || 0;
    const y = index * rowHeight + 4;
    const barHeight = rowHeight - (options.large ? 16 : 12);
    const barWidth = count ? Math.max(4, (count / largest) * barSpace) : 0;
    const mine = options.mine === level;
    const fill = level === UNKNOWN ? `url(#hatch-unknown-${id})` : `var(--level-${level})`;
    const share = level === UNKNOWN ? "not counted" : rated ? `${Math.round((count / rated) * 100)}%` : "–";
    svg.append(
      s("text", { x: 0, y: y + barHeight / 2 + fontSize / 3, "font-size": fontSize, "font-weight": mine ? 800 : 600 },
        `${LEVEL_LABELS[level]}${mine ? " ✓" : ""}`),
      s("rect", { class: "track", x: labelWidth, y, width: barSpace, height: barHeight, rx: 6 }),
      s("rect", {
        x: labelWidth, y, width: barWidth, height: barHeight, rx: 6, fill,
        class: mine ? "mine" : null, "data-level": level, "data-count": count,
      }),
      s("text", { x: labelWidth + barSpace + 10, y: y + barHeight / 2 + fontSize / 3, "font-size": fontSize, "font-weight": 700 },
        `${count}`, s("tspan", { "font-weight": 400, dx: 6 }, `${share}`)),
    );
  });
  return svg;
}

/** The agreement label as a badge with an icon and text (never colour alone). */
export function labelBadge(label) {
  if (!label) return null;
  return h("span", { class: "badge", "data-label": label, "data-agreement": label },
    h("span", { "aria-hidden": "true" }, LABEL_ICONS[label] || ""), LABEL_TEXT[label] || label);
}

export function levelChip(level, text) {
  if (!level) return h("span", { class: "level-chip", "data-level": "none" }, text || "not rated");
  return h("span", { class: "level-chip", "data-level": level }, text || LEVEL_LABELS[level]);
}

/** Stage profile: share of each stage's practices at or above the threshold. */
export function profileChart(profile, thresholdLabel) {
  const id = `chart-${++chartCount}`;
  const rowHeight = 36;
  const width = 520;
  const labelWidth = 150;
  const valueWidth = 110;
  const barSpace = width - labelWidth - valueWidth;
  const height = profile.length * rowHeight + 6;
  const svg = s("svg", {
    class: "chart profile", viewBox: `0 0 ${width} ${height}`, role: "img", width: "100%",
    "aria-labelledby": `${id}-title`,
  }, s("title", { id: `${id}-title` },
    `Share of practices ${thresholdLabel} or better, per stage: ` +
    profile.map((stage) => `${stage.name} ${stage.at_or_above} of ${stage.practices}`).join(", ")));
  profile.forEach((stage, index) => {
    const y = index * rowHeight + 3;
    const share = stage.share === null ? 1 : stage.share; // null: a stage with nothing to rate
    svg.append(
      s("text", { x: 0, y: y + 20, "font-size": 15, "font-weight": 600 }, stage.name),
      s("rect", { class: "track", x: labelWidth, y, width: barSpace, height: 26, rx: 6 }),
      s("rect", { x: labelWidth, y, width: Math.max(stage.at_or_above ? 4 : 0, share * barSpace), height: 26, rx: 6,
        fill: stage.met ? "var(--ok)" : "var(--accent)" }),
      s("text", { x: labelWidth + barSpace + 10, y: y + 20, "font-size": 15, "font-weight": 700 },
        stage.practices ? `${stage.at_or_above} of ${stage.practices}` : "no practices"),
    );
  });
  return svg;
}

/** The placement ladder: stages bottom-up, the one reached, the next. */
export function ladder(framework, placement) {
  const reachedIndex = placement.stage_index - 1; // -1 when not placed
  return h("ol", { class: "ladder", "aria-label": "Maturity stages, first at the bottom" },
    framework.stages.map((stage, index) => {
      const state = stage.id === placement.stage ? "current"
        : index < reachedIndex ? "reached"
        : stage.id === placement.next_stage ? "next" : "later";
      const note = { current: "reached: placed here", reached: "reached", next: "next stage", later: "" }[state];
      return h("li", { "data-state": state, "data-stage": stage.id },
        h("span", {}, stage.name), note ? h("span", { class: "small" }, note) : null);
    }));
}

/** Practices by levels: the latest revealed distribution of every practice, as a table. */
export function heatMap(framework, practices, positions) {
  const byId = Object.fromEntries(practices.map((practice) => [practice.id, practice]));
  const header = h("tr", {}, h("th", { scope: "col" }, "Practice"),
    [...LEVELS, UNKNOWN].map((level) => h("th", { scope: "col", class: "number" }, LEVEL_LABELS[level])),
    h("th", { scope: "col" }, "Group's level"));
  const rows = [];
  for (const stage of framework.stages) {
    for (const practice of stage.practices) {
      const detail = byId[practice.id];
      const result = detail ? detail.result : null;
      const counts = result ? result.counts : null;
      const total = counts ? Object.values(counts).reduce((a, b) => a + b, 0) : 0;
      rows.push(h("tr", { "data-heat-row": practice.id },
        h("th", { scope: "row" }, h("span", { class: "muted" }, `${positions[practice.id]}. `), practice.text),
        [...LEVELS, UNKNOWN].map((level) => {
          const count = counts ? counts[level] : null;
          const share = total ? count / total : 0;
          const style = counts && level !== UNKNOWN
            ? `background: color-mix(in srgb, var(--level-${level}) ${Math.round(share * 85)}%, var(--surface))`
            : "";
          return h("td", { class: "number", style },
            counts ? h("span", { class: "heat-value" }, String(count)) : "–");
        }),
        h("td", {}, detail && detail.level
          ? levelChip(detail.level, `${LEVEL_LABELS[detail.level]}${detail.provisional ? " (provisional)" : ""}`)
          : "–")));
    }
  }
  return h("div", { class: "table-scroll" }, h("table", { class: "heat-map" }, h("thead", {}, header), h("tbody", {}, rows)));
}
