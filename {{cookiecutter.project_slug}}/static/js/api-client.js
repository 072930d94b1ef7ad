// A small client for the project's WebSocket API: one socket, promise-based requests,
// automatic reconnection. No dependencies; works in browsers and in Node 20+.
//
//   import { ApiClient } from "/static/js/api-client.js";
//   const api = new ApiClient(ApiClient.urlFor("/ws/users/"));
//   api.connect();
//   const users = await api.request("list", { limit: 20 });
//
// Rules:
// - request() resolves with the reply's `data` when `response_status` is below 400 and
//   rejects with an ApiError (status, errors, reply) otherwise, with a TimeoutError after
//   `timeout` ms, or with a ConnectionError when the socket closes before the reply came.
// - Requests made while the socket is not open are queued (up to `maxQueue`) and sent once
//   it opens; their timeout runs from the moment request() was called. A request that was
//   sent but not answered when the connection dropped is rejected, never resent, since the
//   server may already have acted on it.
// - After an unexpected close the client reconnects with capped exponential backoff and
//   jitter. reconnect() replaces the connection at once (after signing in, for example);
//   close() stops for good and rejects everything pending.
// - subscribe() requests are sent again after every reconnect; pushes for them arrive
//   through the handler given to subscribe().
// - When the server ends the connection because its session or token ended (close code
//   4401: sign-out, password change, deactivation, revocation), the client does not
//   reconnect: its state becomes "signed-out", pending requests are rejected with a
//   SessionEndedError and a "session-ended" event fires. Sign in again, then reconnect().
// - `token` (a DRF token key) authenticates clients that cannot send the session cookie,
//   through the Sec-WebSocket-Protocol header: ["token", key].

export class ApiError extends Error {
  constructor(reply) {
    const errors = reply.errors ?? [];
    super(`${reply.action ?? "request"} failed with ${reply.response_status}: ${describe(errors)}`);
    this.name = "ApiError";
    this.status = reply.response_status;
    this.errors = errors;
    this.reply = reply;
  }
}

export class TimeoutError extends Error {
  constructor(action, timeout) {
    super(`${action} got no reply within ${timeout} ms`);
    this.name = "TimeoutError";
  }
}

export class ConnectionError extends Error {
  constructor(message) {
    super(message);
    this.name = "ConnectionError";
  }
}

export class SessionEndedError extends ConnectionError {
  constructor() {
    super("The session ended: sign in again.");
    this.name = "SessionEndedError";
  }
}

/** Close codes the server uses, besides the standard ones. */
export const CLOSE_CODES = Object.freeze({
  SESSION_ENDED: 4401,
});

function describe(errors) {
  return errors.map((error) => (typeof error === "string" ? error : JSON.stringify(error))).join("; ");
}

export const STATES = Object.freeze({
  IDLE: "idle",
  CONNECTING: "connecting",
  OPEN: "open",
  RECONNECTING: "reconnecting",
  SIGNED_OUT: "signed-out",
  CLOSED: "closed",
});

const DEFAULTS = {
  timeout: 10000,
  maxQueue: 50, // below the server's MAX_QUEUED_REQUESTS (64), which go out at once on open
  initialDelay: 500,
  maxDelay: 15000,
  factor: 2,
  jitter: 0.5,
  WebSocket: globalThis.WebSocket,
  random: Math.random,
  now: () => Date.now(),
  token: null,
};

let counter = 0;

export class ApiClient extends EventTarget {
  /** The ws: or wss: URL for a path on the page's own host. */
  static urlFor(path, location = globalThis.location) {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${location.host}${path}`;
  }

  constructor(url, options = {}) {
    super();
    this.url = url;
    this.options = { ...DEFAULTS, ...options };
    this.state = STATES.IDLE;
    this.socket = null;
    this.attempt = 0;
    this.reconnectTimer = null;
    this.pending = new Map(); // request_id -> {action, resolve, reject, timer, sent, started}
    this.queue = []; // request_ids waiting for an open socket, oldest first
    this.subscriptions = new Map(); // request_id -> {action, payload, onEvent}
  }

  /** Open the socket (again, after close() or once signed in again). */
  connect() {
    if (this.socket) return;
    clearTimeout(this.reconnectTimer);
    if (this.state === STATES.CLOSED || this.state === STATES.SIGNED_OUT) this.attempt = 0;
    this.openSocket();
  }

  openSocket() {
    this.setState(this.attempt === 0 ? STATES.CONNECTING : STATES.RECONNECTING);
    const { token } = this.options;
    const socket = token ? new this.options.WebSocket(this.url, ["token", token]) : new this.options.WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => this.handleOpen(socket);
    socket.onmessage = (event) => this.handleMessage(event.data);
    socket.onclose = (event) => this.handleClose(socket, event);
    socket.onerror = () => {};
  }

  /** Replace the connection now (after signing in, say), keeping subscriptions and the queue. */
  reconnect() {
    clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.close(1000);
      this.failInFlight(1000);
    }
    this.attempt = 0;
    this.openSocket();
  }

  close() {
    clearTimeout(this.reconnectTimer);
    this.setState(STATES.CLOSED);
    const socket = this.socket;
    this.socket = null;
    if (socket) socket.close(1000);
    this.rejectAll(new ConnectionError("The client was closed."));
    this.subscriptions.clear();
  }

  request(action, payload = {}, { timeout = this.options.timeout } = {}) {
    const requestId = payload.request_id ?? this.nextRequestId();
    const message = { ...payload, action, request_id: requestId };
    return new Promise((resolve, reject) => {
      if (this.state === STATES.CLOSED) {
        reject(new ConnectionError("The client is closed."));
        return;
      }
      if (this.state === STATES.SIGNED_OUT) {
        reject(new SessionEndedError());
        return;
      }
      if (this.state !== STATES.OPEN && this.queue.length >= this.options.maxQueue) {
        reject(new ConnectionError(`Not connected and ${this.options.maxQueue} requests already wait.`));
        return;
      }
      const entry = { action, message, resolve, reject, sent: false, started: this.options.now() };
      entry.timer = setTimeout(() => {
        this.forget(requestId);
        reject(new TimeoutError(action, timeout));
      }, timeout);
      this.pending.set(requestId, entry);
      if (this.state === STATES.OPEN) this.transmit(requestId);
      else this.queue.push(requestId);
    });
  }

  /**
   * Send a subscribing request now and after every reconnect. `onEvent` receives each
   * push (the reply envelope); the returned promise settles with the first reply.
   */
  subscribe(action, payload = {}, onEvent = () => {}) {
    const requestId = payload.request_id ?? this.nextRequestId();
    this.subscriptions.set(requestId, { action, payload: { ...payload, request_id: requestId }, onEvent });
    return this.request(action, { ...payload, request_id: requestId });
  }

  /** Stop renewing a subscription; send the matching unsubscribe request yourself. */
  forgetSubscription(requestId) {
    this.subscriptions.delete(requestId);
  }

  nextRequestId() {
    counter += 1;
    return `${this.options.now().toString(36)}-${counter}`;
  }

  setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.dispatchEvent(new CustomEvent("state", { detail: { state, attempt: this.attempt } }));
  }

  transmit(requestId) {
    const entry = this.pending.get(requestId);
    if (!entry) return;
    const text = JSON.stringify(entry.message);
    this.socket.send(text);
    entry.sent = true;
    entry.sentAt = this.options.now();
    this.dispatchEvent(
      new CustomEvent("frame", { detail: { direction: "sent", message: entry.message, text } }),
    );
  }

  handleOpen(socket) {
    if (socket !== this.socket) return;
    this.attempt = 0;
    this.setState(STATES.OPEN);
    for (const [requestId, subscription] of this.subscriptions) {
      if (!this.pending.has(requestId)) {
        this.request(subscription.action, subscription.payload).catch(() => {});
      }
    }
    const waiting = this.queue;
    this.queue = [];
    for (const requestId of waiting) this.transmit(requestId);
  }

  handleMessage(text) {
    let reply;
    try {
      reply = JSON.parse(text);
    } catch {
      this.dispatchEvent(new CustomEvent("frame", { detail: { direction: "received", text, reply: null } }));
      return;
    }
    const entry = this.pending.get(reply.request_id);
    const elapsed = entry ? this.options.now() - (entry.sentAt ?? entry.started) : null;
    this.dispatchEvent(new CustomEvent("frame", { detail: { direction: "received", text, reply, elapsed } }));
    if (entry && entry.sent) {
      this.forget(reply.request_id);
      if (reply.response_status < 400) entry.resolve(reply.data);
      else entry.reject(new ApiError(reply));
      return;
    }
    const subscription = this.subscriptions.get(reply.request_id);
    if (subscription) subscription.onEvent(reply);
    this.dispatchEvent(new CustomEvent("push", { detail: reply }));
  }

  handleClose(socket, event) {
    if (socket !== this.socket) return;
    this.socket = null;
    if (event.code === CLOSE_CODES.SESSION_ENDED) {
      clearTimeout(this.reconnectTimer);
      this.rejectAll(new SessionEndedError());
      this.setState(STATES.SIGNED_OUT);
      this.dispatchEvent(new CustomEvent("session-ended", { detail: { code: event.code } }));
      return;
    }
    this.failInFlight(event.code);
    if (this.state === STATES.CLOSED) return;
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    const { initialDelay, maxDelay, factor, jitter, random } = this.options;
    const ceiling = Math.min(maxDelay, initialDelay * factor ** this.attempt);
    const delay = Math.round(ceiling * (1 - jitter * random()));
    this.attempt += 1;
    this.setState(STATES.RECONNECTING);
    this.dispatchEvent(new CustomEvent("reconnect", { detail: { delay, attempt: this.attempt } }));
    this.reconnectTimer = setTimeout(() => this.openSocket(), delay);
  }

  failInFlight(code) {
    for (const [requestId, entry] of [...this.pending]) {
      if (entry.sent) {
        this.forget(requestId);
        entry.reject(new ConnectionError(`The connection closed (code ${code}) before the reply.`));
      }
    }
  }

  forget(requestId) {
    const entry = this.pending.get(requestId);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.pending.delete(requestId);
    this.queue = this.queue.filter((id) => id !== requestId);
  }

  rejectAll(error) {
    for (const [requestId, entry] of [...this.pending]) {
      this.forget(requestId);
      entry.reject(error);
    }
  }
}
