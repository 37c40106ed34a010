// Event names and wire values: mirrors workshop/core/protocol.py and workshop/core/scale.py.
export const EVENTS = Object.freeze({
  JOIN: "join", VOTE: "vote", HOST: "host", WATCH: "watch", OPEN: "open", REVEAL: "reveal",
  REVOTE: "revote", CONSOLIDATE: "consolidate", CLOSE: "close", REASONS: "reasons", TIMER: "timer",
  SPOTLIGHT: "spotlight", SETTINGS: "settings", NOTES: "notes", ROSTER: "roster", STATE: "state", TALLY: "tally",
});
export const ALL = "*";
export const LEVELS = Object.freeze(["missing", "ad_hoc", "repeatable", "systematic"]);
export const UNKNOWN = "unknown";
export const VOTE_VALUES = Object.freeze([...LEVELS, UNKNOWN]);
export const LEVEL_LABELS = Object.freeze({
  missing: "Missing", ad_hoc: "Ad Hoc", repeatable: "Repeatable", systematic: "Systematic", unknown: "Don't know",
});
export const LABEL_TEXT = Object.freeze({
  agreed: "Agreed", leaning: "Leaning", split: "Split", polarised: "Polarised", too_few: "Too few votes", unclear: "Unclear",
});
export const LABEL_ICONS = Object.freeze({
  agreed: "●", leaning: "◐", split: "◌", polarised: "⇹", too_few: "…", unclear: "?",
});
export const STORAGE = Object.freeze({
  participant: (code) => `workshop:participant:${code}`,
  pending: (code) => `workshop:pending:${code}`,
  facilitator: (code) => `workshop:facilitator:${code}`,
  presenter: (code) => `workshop:presenter:${code}`,
  sessions: "workshop:sessions",
  largeText: "workshop:large-text",
});
