// Tiny DOM helpers: build elements with text (never HTML strings from data).

/** The page's bootstrap data (one JSON block rendered by the server). */
export function bootstrap() {
  const element = document.getElementById("bootstrap");
  return element ? JSON.parse(element.textContent) : {};
}

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") element.className = value;
    else if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

/** Announce a message to screen readers through a polite (or assertive) live region. */
export function announce(message, region = document.querySelector("[data-announcer]")) {
  if (!region) return;
  region.textContent = "";
  window.setTimeout(() => { region.textContent = message; }, 50);
}

export function percent(value) {
  return value === null || value === undefined ? "–" : `${Math.round(value * 100)}%`;
}

export function decimal(value, digits = 2) {
  return value === null || value === undefined ? "–" : Number(value).toFixed(digits);
}

export function readStorage(key, fallback = null) {
  try {
    const raw = localStorage.getItem(key);
    return raw === null ? fallback : JSON.parse(raw);
  } catch {
    return fallback;
  }
}

export function writeStorage(key, value) {
  try {
    if (value === null || value === undefined) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch {
    /* private mode or full storage: the session still works, it just won't survive a reload */
  }
}

/** Remember a session this browser facilitates, for the landing page's list. */
export function rememberSession(entry) {
  const sessions = readStorage("workshop:sessions", []).filter((item) => item.code !== entry.code);
  sessions.unshift({ ...entry, saved_at: new Date().toISOString() });
  writeStorage("workshop:sessions", sessions.slice(0, 20));
}

/** "1 answer", "2 answers": a count with its noun, for elements a live tally rewrites. */
export function counted(count, noun) {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** Write a live count into every [data-votes-for=id] element (with its noun when it has one). */
export function paintCount(id, count) {
  for (const element of document.querySelectorAll(`[data-votes-for="${CSS.escape(id)}"]`)) {
    element.textContent = element.dataset.noun ? counted(count, element.dataset.noun) : String(count);
  }
}
