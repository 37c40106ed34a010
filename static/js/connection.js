// One Socket.IO connection with a role: it (re)binds its identity after every (re)connection,
// reports its status, and sends events with an acknowledgement timeout.
import { io } from "../vendor/socket.io-client/socket.io.esm.min.js";
import { bootstrap } from "./dom.js";

export const ACK_TIMEOUT_MS = 8000;

export class Connection extends EventTarget {
  /**
   * @param {(connection: Connection) => Promise<object>} bind sends join/host/watch; its ack
   *        is dispatched as a "bound" event, or "bind-failed" when refused.
   */
  constructor(bind) {
    super();
    this.bind = bind;
    this.bound = false;
    this.status = "connecting";
    // websocket first; long-polling only as a fallback (e.g. a proxy that blocks websockets),
    // and never when the server runs several processes behind a round-robin proxy
    const websocketOnly = Boolean(bootstrap().websocket_only);
    this.socket = io({
      transports: websocketOnly ? ["websocket"] : ["websocket", "polling"],
      tryAllTransports: !websocketOnly,
      reconnectionDelay: 500,
      reconnectionDelayMax: 4000,
      timeout: 10000,
    });
    this.socket.on("connect", () => this.#onConnect());
    this.socket.on("disconnect", () => this.#setStatus("offline"));
    this.socket.io.on("reconnect_attempt", () => this.#setStatus("connecting"));
    this.socket.on("connect_error", () => this.#setStatus("offline"));
    // A phone waking from a screen lock or getting its network back should not wait for backoff.
    const wake = () => { if (!this.socket.connected) this.socket.connect(); };
    document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") wake(); });
    window.addEventListener("online", wake);
    window.addEventListener("pageshow", wake);
  }

  on(event, handler) {
    this.socket.on(event, handler);
  }

  get online() {
    return this.socket.connected && this.bound;
  }

  async #onConnect() {
    this.bound = false;
    this.#setStatus("connecting");
    try {
      const ack = await this.bind(this);
      if (ack && ack.ok) {
        this.bound = true;
        this.#setStatus("online");
        this.dispatchEvent(new CustomEvent("bound", { detail: ack }));
      } else {
        this.#setStatus("offline");
        this.dispatchEvent(new CustomEvent("bind-failed", { detail: ack }));
      }
    } catch (error) {
      this.#setStatus("offline");
      this.dispatchEvent(new CustomEvent("bind-failed", { detail: { ok: false, error: "timeout", message: String(error) } }));
    }
  }

  /** Emit and wait for the ack; resolves to the ack or to {ok:false, error:"timeout"|"offline"}. */
  async request(event, payload = {}, timeout = ACK_TIMEOUT_MS) {
    if (!this.socket.connected) return { ok: false, error: "offline", message: "Not connected" };
    try {
      return await this.socket.timeout(timeout).emitWithAck(event, payload);
    } catch {
      return { ok: false, error: "timeout", message: "No answer from the server" };
    }
  }

  /** Like request, but before binding is complete (used by bind itself). */
  async raw(event, payload = {}, timeout = ACK_TIMEOUT_MS) {
    return this.socket.timeout(timeout).emitWithAck(event, payload);
  }

  #setStatus(status) {
    if (this.status === status) return;
    this.status = status;
    this.dispatchEvent(new CustomEvent("status", { detail: status }));
  }
}

export const STATUS_TEXT = { online: "Connected", connecting: "Connecting…", offline: "Offline, reconnecting…" };

/** Keep a status element (data-connection) in sync with a connection. */
export function showStatus(connection, element) {
  const render = () => {
    element.dataset.connection = connection.status;
    element.textContent = STATUS_TEXT[connection.status];
  };
  connection.addEventListener("status", render);
  render();
}
