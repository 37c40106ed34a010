// Organisation keys on this device: one place for the storage key, shared by /new and /org/<name>.
import { readStorage, writeStorage } from "./dom.js";

/** The form organisation names are compared in (the server compares case- and space-insensitively). */
export function organizationKeyName(name) {
  return String(name || "").trim().split(/\s+/).join(" ").toLowerCase();
}

export function storageKey(name) {
  return `workshop:organization:${organizationKeyName(name)}`;
}

export function readOrganizationKey(name) {
  return name ? readStorage(storageKey(name)) : null;
}

export function rememberOrganizationKey(name, key) {
  if (name) writeStorage(storageKey(name), key || null);
}
