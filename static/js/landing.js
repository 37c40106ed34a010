// The landing page: join with a typed code; list the sessions this device facilitates.
import { $, h, readStorage, replace } from "./dom.js";
import { CODE, STORAGE } from "./protocol.js";

const PATTERN = new RegExp(`^[${CODE.alphabet}]{${CODE.length}}$`);
const form = $("[data-join-form]");
const input = $("[data-code-input]");
const error = $("[data-code-error]");

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const code = input.value.replace(/[\s-]/g, "").toUpperCase();
  if (!PATTERN.test(code)) {
    error.textContent = `A session code has ${CODE.length} letters and digits, for example K5JNA8.`;
    error.hidden = false;
    input.setAttribute("aria-invalid", "true");
    input.focus();
    return;
  }
  window.location.assign(`/join/${code}`);
});
input.addEventListener("input", () => {
  error.hidden = true;
  input.removeAttribute("aria-invalid");
});

const sessions = readStorage(STORAGE.sessions, []);
if (sessions.length) {
  replace($("[data-my-sessions-list]"), sessions.map((session) => h("li", {},
    h("a", { href: `/host/${session.code}` }, session.title || session.code),
    h("span", { class: "muted small" }, ` · ${session.code}${session.organization ? ` · ${session.organization}` : ""}`))));
  $("[data-my-sessions]").hidden = false;
}
