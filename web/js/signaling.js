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
//   reconnect (the owner is expected to re-join its room then).

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
      this._scheduleReconnect();
      return this.waitHello();
    }
    this.ws = ws;
    this.hello = null;
    ws.addEventListener('message', (ev) => this._onMessage(ev));
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

  _onClose(ws, ev) {
    if (ws !== this.ws) return;
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
    const base = this.backoff[Math.min(this.attempt, this.backoff.length - 1)];
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.attempt++;
    this.reconnectAt = Date.now() + delay;
    this._setState('reconnecting', { attempt: this.attempt, delay });
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      if (this.wantOpen) this.connect();
    }, delay);
  }

  /** Skip the backoff wait and try now (e.g. the browser came back online). */
  reconnectNow() {
    if (!this.wantOpen || this.ws) return;
    this.attempt = 0;
    this.connect();
  }
}
