// Downloading a session's summary: a fetch with the bearer token (a plain link cannot carry it),
// then a click on a temporary object URL with the server's file name.
import { h } from "./dom.js";

export const FORMATS = [["pdf", "PDF"], ["md", "Markdown"], ["csv", "CSV"], ["json", "JSON"], ["html", "HTML"]];

/** Download the summary of ``code`` in ``format``; progress and errors go to ``status``. */
export function downloadSummary(code, format, token, status) {
  return download(`/api/sessions/${code}/export?format=${format}`, token, status, `summary.${format}`);
}

/** Download ``url`` with the bearer token, as the file the server names (else ``fallback``). */
export async function download(url, token, status, fallback) {
  status.textContent = "Preparing the download…";
  try {
    const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      status.textContent = body.message || "The file could not be downloaded.";
      return;
    }
    const disposition = response.headers.get("Content-Disposition") || "";
    const match = disposition.match(/filename="([^"]+)"/);
    const file = URL.createObjectURL(await response.blob());
    const link = h("a", { href: file, download: match ? match[1] : fallback });
    document.body.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(file), 10000);
    status.textContent = "Downloaded.";
  } catch {
    status.textContent = "The server cannot be reached. Check the connection and try again.";
  }
}
