// The countdown shown by the facilitator's page and the projector: the server sends the seconds
// left when it built the state (no clock skew between devices); this paints m:ss into whatever
// [data-timer] element the page shows at the moment.

export class Countdown {
  constructor(suffix = "") {
    this.suffix = suffix;
    this.deadline = null;
    this.handle = null;
  }

  /** Follow the ``timer`` of a new state ({remaining} or null). */
  sync(timer) {
    this.deadline = timer ? Date.now() + timer.remaining * 1000 : null;
    window.clearInterval(this.handle);
    if (this.deadline) this.handle = window.setInterval(() => this.paint(), 250);
    this.paint();
  }

  paint() {
    const element = document.querySelector("[data-timer]");
    if (!element) return;
    if (!this.deadline) {
      element.textContent = "";
      return;
    }
    const left = Math.max(0, Math.ceil((this.deadline - Date.now()) / 1000));
    element.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}${this.suffix}`;
    element.dataset.urgent = String(left <= 10);
    if (left === 0) window.clearInterval(this.handle);
  }
}
