// The protocol as the browser sees it. Event names mirror workshop/core/protocol.py (a test checks
// both lists and docs/protocol.md); everything else (the scale, the agreement labels, the length
// limits, the join code) comes from the server in every page's "constants" block
// (workshop.core.protocol.client_constants), so nothing here copies a Python constant by hand.
export const EVENTS = Object.freeze({
  JOIN: "join", VOTE: "vote", HOST: "host", WATCH: "watch", OPEN: "open", REVEAL: "reveal",
  REVOTE: "revote", CONSOLIDATE: "consolidate", CLOSE: "close", REASONS: "reasons", TIMER: "timer",
  SPOTLIGHT: "spotlight", SETTINGS: "settings", NOTES: "notes", ROSTER: "roster", PREWORK: "prework",
  ACCEPT_AGREED: "accept_agreed", STATE: "state", TALLY: "tally",
});
export const ALL = "*";

const element = document.getElementById("constants");
const CONSTANTS = element ? JSON.parse(element.textContent) : { scale: { levels: [], unknown: {} }, labels: {}, limits: {}, code: {} };

export const SCALE = CONSTANTS.scale;
export const UNKNOWN = SCALE.unknown.value;
export const LEVELS = Object.freeze(SCALE.levels.map((level) => level.value));
export const LEVEL_LABELS = Object.freeze(Object.fromEntries(
  [...SCALE.levels, SCALE.unknown].map((level) => [level.value, level.label])));
export const LABEL_TEXT = Object.freeze(Object.fromEntries(
  Object.entries(CONSTANTS.labels).map(([label, info]) => [label, info.text])));
export const LABEL_ICONS = Object.freeze(Object.fromEntries(
  Object.entries(CONSTANTS.labels).map(([label, info]) => [label, info.icon])));
export const LIMITS = Object.freeze(CONSTANTS.limits);
export const CODE = Object.freeze(CONSTANTS.code);

export const STORAGE = Object.freeze({
  participant: (code) => `workshop:participant:${code}`,
  pending: (code) => `workshop:pending:${code}`,
  facilitator: (code) => `workshop:facilitator:${code}`,
  presenter: (code) => `workshop:presenter:${code}`,
  newOrganization: (code) => `workshop:new-organization:${code}`,
  sessions: "workshop:sessions",
  largeText: "workshop:large-text",
});
