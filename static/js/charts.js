// Charts drawn as HTML by our own code, so their text keeps its CSS size on a phone and on a
// projector. Every bar carries its answer's name, count and share as text, so the colours
// (Okabe-Ito, colour-blind safe) are never the only carrier of meaning. Bars are drawn against
// 100% of the rated votes: a bar half the track wide is half the room.
import { LABEL_ICONS, LABEL_TEXT, LEVEL_LABELS, UNKNOWN } from "./protocol.js";
import { h, percent } from "./dom.js";

/** A sentence describing a distribution, for screen readers. */
export function describeCounts(counts, options) {
  return [...options.map((option) => option.value), UNKNOWN]
    .map((value) => `${nameOf(options, value)} ${counts[value] || 0}`).join(", ");
}

function nameOf(options, value) {
  if (value === UNKNOWN) return LEVEL_LABELS[UNKNOWN];
  const option = options.find((item) => item.value === value);
  return option ? option.label : value;
}

/**
 * One row per answer plus "don't know". ``result`` has counts, shares and voters (a round's
 * result); ``options`` the practice's answers in order; ``previous`` an earlier round's result to
 * draw as a thin bar under each row (before and after a re-vote); ``mine`` the viewer's answer.
 */
export function distributionChart(result, { options, mine = null, previous = null, size = "normal" } = {}) {
  const rows = [...options, { value: UNKNOWN, label: LEVEL_LABELS[UNKNOWN], kind: "unknown" }];
  const chart = h("div", {
    class: `bars ${size}`, role: "img", "data-chart": "distribution",
    "aria-label": `Votes: ${describeCounts(result.counts, options)}`,
  });
  for (const option of rows) {
    const count = result.counts[option.value] || 0;
    const known = option.value !== UNKNOWN;
    const share = known ? result.shares[option.value] : null;
    const before = previous && known ? previous.shares[option.value] : null;
    chart.append(h("div", { class: "bar-row", "data-answer": option.value, "data-count": String(count), "data-kind": option.kind || "level",
      "data-mine": mine === option.value ? "true" : null },
      h("span", { class: "bar-name" }, option.label, mine === option.value ? h("span", { class: "mine-mark" }, " ✓ you") : null),
      h("span", { class: "bar-track" },
        h("span", { class: "bar-fill", "data-level": option.value, "data-share": share === null ? null : String(share),
          style: `width:${known ? Math.round((share || 0) * 1000) / 10 : count ? 100 : 0}%` }),
        before !== null ? h("span", { class: "bar-before", title: `Round ${previous.round}: ${percent(before)}`,
          style: `width:${Math.round(before * 1000) / 10}%` }) : null),
      h("span", { class: "bar-value" }, h("strong", {}, String(count)), " ",
        h("span", { class: known ? "muted" : "muted not-counted" }, known ? percent(share) : "not counted"))));
  }
  if (previous) {
    chart.append(h("p", { class: "bar-legend small muted" },
      h("span", { class: "legend-before", "aria-hidden": "true" }), ` thin line: round ${previous.round}`));
  }
  return chart;
}

/** The agreement label as a badge with an icon and text (never colour alone). */
export function labelBadge(label) {
  if (!label) return null;
  return h("span", { class: "badge", "data-label": label, "data-agreement": label },
    h("span", { "aria-hidden": "true" }, LABEL_ICONS[label] || ""), LABEL_TEXT[label] || label);
}

/** The verdict of a round, large and filled: the label and the sentence that says why. */
export function verdict(result) {
  return h("div", { class: "verdict", "data-verdict": result.label },
    h("span", { class: "verdict-label" }, h("span", { "aria-hidden": "true" }, LABEL_ICONS[result.label] || ""), " ",
      LABEL_TEXT[result.label] || result.label),
    h("span", { class: "verdict-reason" }, result.label_reason || result.label_meaning || ""));
}

/** A level (or stage) chip; an override is marked, with the level the votes gave. */
export function levelChip(level, text, { overridden = false, computed = null, provisional = false } = {}) {
  if (!level) return h("span", { class: "level-chip", "data-level": "none" }, text || "not rated");
  const chip = h("span", { class: "level-chip", "data-level": level, "data-overridden": overridden ? "true" : null },
    text || LEVEL_LABELS[level] || level);
  if (!overridden && !provisional) return chip;
  return h("span", { class: "level-with-mark" }, chip,
    overridden ? h("span", { class: "override-mark", "data-override": "", title: "Recorded by the facilitator with a note" },
      computed ? ` ✎ overridden (votes: ${LEVEL_LABELS[computed] || computed})` : " ✎ overridden") : null,
    provisional ? h("span", { class: "small muted" }, " provisional") : null);
}

/** A practice's group level, as every page shows it: consolidated (or override), else provisional. */
export function practiceLevel(row, names = (value) => LEVEL_LABELS[value] || value) {
  if (!row || !row.level) return levelChip(null, "not rated");
  const computed = row.decision ? row.decision.computed_level : row.computed_level;
  return levelChip(row.level, names(row.level), {
    overridden: row.overridden, computed: computed ? names(computed) : null, provisional: row.provisional,
  });
}

/** Stage profile: each stage's share of practices at its bar, drawn against 100%. */
export function profileChart(profile) {
  return h("div", { class: "bars profile", "data-chart": "profile", role: "img",
    "aria-label": profile.map((row) => `${row.name} ${row.at_or_above} of ${row.practices}`).join(", ") },
  profile.map((row) => h("div", { class: "bar-row", "data-stage": row.stage, "data-met": String(row.met) },
    h("span", { class: "bar-name" }, row.name),
    h("span", { class: "bar-track" }, h("span", { class: "bar-fill", "data-met": String(row.met),
      style: `width:${row.share === null ? 100 : Math.round(row.share * 1000) / 10}%` })),
    h("span", { class: "bar-value" }, row.practices ? `${row.at_or_above} of ${row.practices}` : "nothing to rate",
      row.practices ? h("span", { class: "small muted" }, ` at ${LEVEL_LABELS[row.bar]}+`) : null))));
}

/** The placement ladder: stages bottom-up; the stage of the verdict, the next one. */
export function ladder(framework, placement) {
  const at = placement.stage_index - 1; // -1 without a verdict
  const suggested = placement.suggested_stage;
  return h("ol", { class: "ladder", "aria-label": "Maturity stages, first at the bottom" },
    framework.stages.map((stage, index) => {
      const state = index === at ? "current" : index < at ? "reached" : stage.id === placement.next_stage ? "next" : "later";
      const words = {
        current: placement.mode === "phase" ? (placement.complete ? "completed" : "in this phase now") : placement.mode === "stage_vote" ? "the room's vote" : "best fit",
        reached: placement.mode === "phase" ? "in place" : "", next: "next", later: "",
      };
      const note = [words[state], stage.id === suggested && state !== "current" ? "the ratings suggest" : ""].filter(Boolean).join(" · ");
      return h("li", { "data-state": state, "data-stage": stage.id }, h("span", {}, stage.name),
        note ? h("span", { class: "small" }, note) : null);
    }));
}

/** Practices by answers: the latest revealed distribution of every rated practice, as a table. */
export function heatMap(index, practices) {
  const byId = Object.fromEntries(practices.map((row) => [row.id, row]));
  const columns = [...index.info[index.order[0]].options.map((option) => option.value), UNKNOWN];
  const header = h("tr", {}, h("th", { scope: "col" }, "Practice"),
    columns.map((value) => h("th", { scope: "col", class: "number" }, LEVEL_LABELS[value])),
    h("th", { scope: "col" }, "Group's level"));
  const rows = [];
  for (const id of index.order) {
    const { practice, position, kind } = index.info[id];
    if (kind !== "practice") continue;
    const row = byId[id];
    const counts = row && row.result ? row.result.counts : null;
    const total = counts ? Object.values(counts).reduce((a, b) => a + b, 0) : 0;
    rows.push(h("tr", { "data-heat-row": id },
      h("th", { scope: "row" }, h("span", { class: "muted" }, `${position}. `), practice.text),
      columns.map((value) => {
        const count = counts ? counts[value] : null;
        const share = total ? count / total : 0;
        const style = counts && value !== UNKNOWN
          ? `background: color-mix(in srgb, var(--level-${value}) ${Math.round(share * 85)}%, var(--surface))` : "";
        return h("td", { class: "number", style }, counts ? h("span", { class: "heat-value" }, String(count)) : "–");
      }),
      h("td", {}, practiceLevel(row))));
  }
  return h("div", { class: "table-scroll" }, h("table", { class: "heat-map" }, h("thead", {}, header), h("tbody", {}, rows)));
}
