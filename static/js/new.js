// Create a session over the HTTP API, keep the facilitator secret on this device, open the host page.
import { $, rememberSession, writeStorage } from "./dom.js";
import { STORAGE } from "./protocol.js";

const form = $("[data-new-session]");
const error = $("[data-form-error]");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.hidden = true;
  const data = new FormData(form);
  const segments = String(data.get("segments") || "").split(",").map((item) => item.trim()).filter(Boolean);
  const body = {
    framework: data.get("framework"),
    title: String(data.get("title") || "").trim(),
    settings: {
      placement_threshold: data.get("placement_threshold"),
      auto_reveal: data.get("auto_reveal") === "on",
      segments,
    },
  };
  for (const name of ["organization", "team", "previous"]) {
    const value = String(data.get(name) || "").trim();
    if (value) body[name] = value;
  }
  if (!body.title) {
    showError("Give the session a title, for example “Q3 CX maturity check”.", $("[data-title]"));
    return;
  }
  const button = $("[data-action=create]");
  button.disabled = true;
  try {
    const response = await fetch("/api/sessions", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    const result = await response.json();
    if (!response.ok) {
      showError(result.message || "The session could not be created.");
      return;
    }
    writeStorage(STORAGE.facilitator(result.code), result.facilitator_token);
    writeStorage(STORAGE.presenter(result.code), result.presenter_token);
    rememberSession({ code: result.code, title: body.title, organization: body.organization || null });
    window.location.assign(result.facilitator_url);
  } catch {
    showError("The server cannot be reached. Check the connection and try again.");
  } finally {
    button.disabled = false;
  }
});

function showError(message, field) {
  error.textContent = message;
  error.hidden = false;
  if (field) {
    field.setAttribute("aria-invalid", "true");
    field.focus();
  }
}
