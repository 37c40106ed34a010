// Create a session over the HTTP API, keep the facilitator secret on this device, open the host page.
import { $, rememberSession, writeStorage } from "./dom.js";
import { STORAGE } from "./protocol.js";
import { readOrganizationKey, rememberOrganizationKey } from "./organization.js";

const form = $("[data-new-session]");
const error = $("[data-form-error]");
const organizationField = $("[data-organization]");
const keyField = $("[data-organization-key]");
const keyStatus = $("[data-organization-key-status]");

// Tell whether this browser holds the key of the organisation typed (it is sent automatically).
function showKeyStatus() {
  const name = organizationField.value.trim();
  keyStatus.textContent = name && readOrganizationKey(name)
    ? `This browser has the key of ${name}; it is sent with the session.` : "";
}
organizationField.addEventListener("input", showKeyStatus);
showKeyStatus();

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
  const typedKey = String(data.get("organization_key") || "").trim();
  const storedKey = body.organization ? readOrganizationKey(body.organization) : null;
  if (body.organization && (typedKey || storedKey)) body.organization_key = typedKey || storedKey;
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
      if (response.status === 403 && body.organization) {
        // the organisation exists: its key is missing or wrong (a stored one may be from a reset server)
        if (!typedKey) rememberOrganizationKey(body.organization, null);
        showKeyStatus();
        showError(result.message || "This organisation needs its key.", keyField);
        return;
      }
      showError(result.message || "The session could not be created.");
      return;
    }
    writeStorage(STORAGE.facilitator(result.code), result.facilitator_token);
    writeStorage(STORAGE.presenter(result.code), result.presenter_token);
    rememberSession({ code: result.code, title: body.title, organization: result.organization || body.organization || null });
    if (result.organization_key) {
      // a new organisation: its key is shown once, on the facilitator's page beside the invitation,
      // so reading it never stands between the facilitator and the room
      rememberOrganizationKey(result.organization, result.organization_key);
      writeStorage(STORAGE.newOrganization(result.code), {
        name: result.organization, key: result.organization_key, url: sameOrigin(result.organization_url),
      });
    }
    if (body.organization_key) rememberOrganizationKey(result.organization || body.organization, body.organization_key);
    window.location.assign(sameOrigin(result.facilitator_url));
  } catch {
    showError("The server cannot be reached. Check the connection and try again.");
  } finally {
    button.disabled = false;
  }
});

// The API builds links on the public address (what phones reach, say the LAN IP); this browser
// may be on another one (127.0.0.1), and the secrets it just stored live in that origin's storage.
function sameOrigin(url) {
  if (!url) return url;
  const parsed = new URL(url, window.location.href);
  return parsed.pathname + parsed.search + parsed.hash;
}

function showError(message, field) {
  error.textContent = message;
  error.hidden = false;
  if (field) {
    field.setAttribute("aria-invalid", "true");
    field.focus();
  }
}
