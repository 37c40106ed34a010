// Downloading a session's summary: a fetch with the bearer token (a plain link cannot carry it),
// then a click on a temporary object URL with the server's file name.
import { h } from "./dom.js";

export const FORMATS = [["pdf", "PDF"], ["md", "Markdown"], ["csv", "CSV"], ["json", "JSON"], ["html", "HTML"]];

/** Download the summary of ``code`` in ``format``; progress and errors go to ``status``. */
export async function downloadSummary(code, format, token, status) {
  status.textContent = "Preparing the download…";
  try {
    const response = await fetch(`/api/sessions/${code}/export?format=${format}`, { headers: { Authorization: `Bearer ${token}` } });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      status.textContent = body.message || "The summary could not be exported.";
      return;
    }
    const disposition = response.headers.get("Content-Disposition") || "";
    const match = disposition.match(/filename="([^"]+)"/);
    const url = URL.createObjectURL(await response.blob());
    const link = h("a", { href: url, download: match ? match[1] : `summary.${format}` });
    document.body.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 10000);
    status.textContent = "Downloaded.";
  } catch {
    status.textContent = "The server cannot be reached. Check the connection and try again.";
  }
}
