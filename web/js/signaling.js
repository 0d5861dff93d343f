// SPDX-License-Identifier: EUPL-1.2
// WebSocket wrapper for the Ratsaal signaling protocol (docs/protocol.md, version 1).
//
// - connects to /signaling on the page's origin (ws:// or wss://)
// - every outgoing message gets an integer `ref`; request() resolves with the reply or
//   rejects with the error event carrying the same ref
// - dispatches every server event as a DOM event named "<ns>/<event>" (detail = message)
//   plus "message" for all of them
// - reconnects with exponential backoff + jitter when the socket drops; emits "state"
//   events (connecting | open | reconnecting | closed) and "reopen" after a successful
//   reconnect (the owner is expected to re-join its room then, with its resume token).
// - keeps the socket alive with control/ping every PING_MS and gives it up when nothing came
//   back for DEAD_MS: a network that silently drops packets (no FIN) never fires "close", so
//   without this the page would wait for minutes on a dead socket. While `resumable` (a resume
//   token is held: the server keeps our place for its grace period) the backoff stays short.
// - in a cluster, moveTo() follows the error `moved` (docs/protocol.md "Moved"): the socket goes
//   to the server hosting the meeting, or back to the page's origin. When that server is gone
//   (it died or was stopped: the load balancer answers its path with an error), the socket goes
//   back to the page's origin after AWAY_FAILURES_MAX attempts in a row that never got a hello,
//   and "fallback" is dispatched; the origin's server resumes the meeting or sends us on.

const PING_MS = 5000;
const DEAD_MS = 12000;
const RESUME_BACKOFF_MAX_MS = 1000;
const AWAY_FAILURES_MAX = 2;

export class SignalingError extends Error {
  constructor(msg) {
    super(msg.text || msg.code || 'error');
    this.code = msg.code;
    this.field = msg.field;
    this.ns = msg.ns;
    this.msg = msg;
  }
}

export class Signaling extends EventTarget {
  constructor({ url, backoff = [500, 1000, 2000, 4000, 8000, 15000], requestTimeout = 10000 } = {}) {
    super();
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    this.url = url || `${proto}//${location.host}/signaling`;
    this.originUrl = this.url;
    this.awayFailures = 0; // attempts in a row to a moved-to server that got no hello
    this.backoff = backoff;
    this.requestTimeout = requestTimeout;
    this.ws = null;
    this.state = 'idle';
    this.hello = null;
    this.nextRef = 1;
    this.pending = new Map(); // ref → {resolve, reject, events, timer}
    this.attempt = 0;
    this.reconnectTimer = null;
    this.reconnectAt = 0;
    this.wantOpen = false;
    this.everOpened = false;
    this.resumable = false; // set by the owner while it holds a resume token
    this.lastRx = 0;
    this.heartbeat = null;
    this._helloWaiters = [];
  }

  get features() {
    return (this.hello && Array.isArray(this.hello.features) && this.hello.features) || [];
  }

  hasFeature(name) {
    return this.features.includes(name);
  }

  _setState(state, extra = {}) {
    this.state = state;
    this.dispatchEvent(new CustomEvent('state', { detail: { state, ...extra } }));
  }

  connect() {
    this.wantOpen = true;
    if (this.ws && (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)) {
      return this.waitHello();
    }
    clearTimeout(this.reconnectTimer);
    this._setState(this.everOpened ? 'reconnecting' : 'connecting', { attempt: this.attempt, delay: 0 });
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (e) {
      this._awayFailed();
      this._scheduleReconnect();
      return this.waitHello();
    }
    this.ws = ws;
    this.hello = null;
    ws.addEventListener('message', (ev) => {
      if (ws !== this.ws) return; // a socket given up (_drop) that is still delivering
      this.lastRx = Date.now();
      this._onMessage(ev);
    });
    ws.addEventListener('close', (ev) => this._onClose(ws, ev));
    ws.addEventListener('error', () => {
      /* close follows */
    });
    return this.waitHello();
  }

  /** Resolves with the server's control/hello of the current connection. */
  waitHello() {
    if (this.hello) return Promise.resolve(this.hello);
    return new Promise((resolve) => this._helloWaiters.push(resolve));
  }

  /** Close on purpose (no reconnect). */
  close(code = 1000) {
    this.wantOpen = false;
    this._stopHeartbeat();
    clearTimeout(this.reconnectTimer);
    if (this.ws) {
      try {
        this.ws.close(code);
      } catch {
        /* ignore */
      }
    }
    this._setState('closed', { intentional: true });
  }

  /** Send a message; returns its ref. Throws when the socket is not open. */
  send(msg) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
      throw new Error('signaling not connected');
    }
    const ref = msg.ref !== undefined ? msg.ref : this.nextRef++;
    this.ws.send(JSON.stringify({ ...msg, ref }));
    return ref;
  }

  /** Like send() but never throws; returns false when offline. */
  trySend(msg) {
    try {
      return this.send(msg);
    } catch {
      return false;
    }
  }

  /**
   * Send and wait for the reply: the first server message carrying our ref, or (if the
   * server does not echo refs on that reply) the first message whose "<ns>/<event>" is in
   * `events`. An error event with our ref rejects with SignalingError.
   */
  request(msg, { events = [], timeout = this.requestTimeout } = {}) {
    return new Promise((resolve, reject) => {
      let ref;
      try {
        ref = this.send(msg);
      } catch (e) {
        reject(e);
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(ref);
        const err = new Error('timeout');
        err.code = 'timeout';
        reject(err);
      }, timeout);
      this.pending.set(ref, { resolve, reject, events, timer });
    });
  }

  _settle(ref, fn, value) {
    const p = this.pending.get(ref);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(ref);
    p[fn](value);
  }

  _onMessage(ev) {
    if (typeof ev.data !== 'string') return;
    let msg;
    try {
      msg = JSON.parse(ev.data);
    } catch {
      console.warn('signaling: invalid JSON from server');
      return;
    }
    if (!msg || typeof msg !== 'object' || typeof msg.ns !== 'string' || typeof msg.event !== 'string') return;
    const name = `${msg.ns}/${msg.event}`;

    if (name === 'control/hello') {
      this.hello = msg;
      const reconnect = this.everOpened;
      this.everOpened = true;
      this.attempt = 0;
      this.awayFailures = 0;
      this._startHeartbeat();
      this._setState('open');
      const waiters = this._helloWaiters.splice(0);
      for (const w of waiters) w(msg);
      if (reconnect) this.dispatchEvent(new CustomEvent('reopen', { detail: msg }));
    }

    // match replies to requests
    let handledAsReply = false;
    if (msg.ref !== undefined && this.pending.has(msg.ref)) {
      handledAsReply = true;
      if (msg.event === 'error') this._settle(msg.ref, 'reject', new SignalingError(msg));
      else this._settle(msg.ref, 'resolve', msg);
    } else if (msg.event !== 'error') {
      for (const [ref, p] of this.pending) {
        if (p.events.includes(name)) {
          this._settle(ref, 'resolve', msg);
          break;
        }
      }
    }

    this.dispatchEvent(new CustomEvent(name, { detail: msg }));
    this.dispatchEvent(new CustomEvent('message', { detail: { ...msg, _reply: handledAsReply } }));
  }

  _startHeartbeat() {
    this._stopHeartbeat();
    this.lastRx = Date.now();
    let lastPing = 0;
    let lastTick = Date.now();
    const ws = this.ws;
    // the first ping at once: it tells the server that this client comes back after a drop
    this.heartbeat = setInterval(() => {
      if (ws !== this.ws) return this._stopHeartbeat();
      const now = Date.now();
      // this page itself was frozen (a busy machine, a suspended laptop): what arrived meanwhile
      // is still queued behind this callback, so silence is judged afresh from now
      if (now - lastTick > 3000) this.lastRx = now;
      lastTick = now;
      if (now - this.lastRx > DEAD_MS) {
        this._drop(ws, 'ping_timeout');
        return;
      }
      if (now - lastPing >= PING_MS) {
        lastPing = now;
        this.trySend({ ns: 'control', action: 'ping' });
      }
    }, 1000);
    lastPing = Date.now();
    this.trySend({ ns: 'control', action: 'ping' });
  }

  _stopHeartbeat() {
    clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  /**
   * Gives up a socket that stopped answering. Its "close" event may come only after the
   * browser's closing handshake times out (a minute), so the page goes on at once: a close frame
   * with 4000 (not 1000/1001, which the server takes as leaving) and the usual reconnect.
   */
  _drop(ws, reason) {
    this._stopHeartbeat();
    try {
      ws.close(4000, reason);
    } catch {
      /* ignore */
    }
    this._onClose(ws, { code: 4000, reason });
  }

  /** An attempt that got no hello: one to a moved-to server counts towards going back home. */
  _awayFailed() {
    if (this.url === this.originUrl) return;
    this.awayFailures++;
    if (this.awayFailures < AWAY_FAILURES_MAX) return;
    this.awayFailures = 0;
    this.url = this.originUrl;
    this.dispatchEvent(new CustomEvent('fallback'));
  }

  _onClose(ws, ev) {
    if (ws !== this.ws) return;
    if (!this.hello) this._awayFailed();
    this._stopHeartbeat();
    this.ws = null;
    this.hello = null;
    for (const [ref, p] of this.pending) {
      clearTimeout(p.timer);
      const err = new Error('connection closed');
      err.code = 'closed';
      p.reject(err);
      this.pending.delete(ref);
    }
    this.dispatchEvent(new CustomEvent('close', { detail: { code: ev.code, reason: ev.reason } }));
    // The server closes a connection that joins no room for a while (join_timeout_s): nothing
    // failed. Stay idle; the next connect() (join, rejoin) opens a new connection.
    if (ev.reason === 'join_timeout') this._setState('idle', { code: ev.code, reason: ev.reason });
    else if (this.wantOpen) this._scheduleReconnect();
    else this._setState('closed', { code: ev.code, reason: ev.reason });
  }

  _scheduleReconnect() {
    let base = this.backoff[Math.min(this.attempt, this.backoff.length - 1)];
    // our place in the meeting is kept only for the grace period: keep trying often
    if (this.resumable) base = Math.min(base, Math.max(RESUME_BACKOFF_MAX_MS, this.backoff[0]));
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.attempt++;
    this.reconnectAt = Date.now() + delay;
    this._setState('reconnecting', { attempt: this.attempt, delay });
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      if (this.wantOpen) this.connect();
    }, delay);
  }

  /**
   * Another server hosts the meeting (`moved`): from now on connect to `url` + /signaling (an
   * http(s) address from the server), or to the page's origin when `url` is absent or unusable;
   * the current socket is given up quietly and a new one opened. Resolves with its hello.
   */
  moveTo(url) {
    this.url = movedSignalingUrl(url) || this.originUrl;
    const ws = this.ws;
    if (ws) {
      this.ws = null; // its close event is ignored (_onClose)
      this._stopHeartbeat();
      this.hello = null;
      try {
        ws.close(4001, 'moved');
      } catch {
        /* ignore */
      }
    }
    clearTimeout(this.reconnectTimer);
    this.attempt = 0;
    return this.connect();
  }

  /** Skip the backoff wait and try now (e.g. the browser came back online). */
  reconnectNow() {
    if (!this.wantOpen || this.ws) return;
    this.attempt = 0;
    this.connect();
  }
}

/** `url` from a `moved` error as a WebSocket URL to its /signaling, or null when it is no plain
 * http(s) address. */
export function movedSignalingUrl(url) {
  if (typeof url !== 'string' || !url) return null;
  let u;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.username || u.password || u.search || u.hash) return null;
  const path = u.pathname.replace(/\/+$/, '');
  return `${u.protocol === 'https:' ? 'wss:' : 'ws:'}//${u.host}${path}/signaling`;
}
