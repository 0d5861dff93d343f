// SPDX-License-Identifier: EUPL-1.2
// Failover and drain with state, for tests/ops/cluster.test.sh, without a browser:
//   node tests/ops/cluster_failover.js SETUP_URL ROOM CTRL_DIR
// Four clients (the `ws` package, pinging as the web client does) join ROOM through SETUP_URL:
// M opens the ad-hoc room (moderator) and promotes Q to moderator; P raises a hand; P and R ask
// for the floor; M adds an agenda item, makes it current and opens a vote; P casts a ballot and
// waits for its acknowledgement; M starts a recording (the node's recorder_path), gives its
// consent and R declines. The script then prints `{"phase":"ready",…}` and waits.
//
// Phase 1: when CTRL_DIR/go1 appears ("URL START_NS": where to reconnect, and when the owner
// was killed, from `date +%s%N`), every client reconnects there with its resume token, retrying
// `moved` and refused connections as the web client does (every 250 ms, up to 30 s; a `moved`
// URL is tried once, then URL again), until it is joined again. Prints `{"phase":"failover","ok":…,"recovery_ms":…,"problems":[…]}`.
// Phase 2: when CTRL_DIR/go2 appears ("URL START_NS"; the owner got SIGTERM), every client must
// have been told `moved` and closed; it reconnects to URL with its resume token as above, and
// prints `{"phase":"drain",…}` the same way.
//
// A phase is ok when every client got "resumed": true with its own id, and the state came back:
// Q and M moderators, P's hand raised, the speakers' list [P, R], the vote open with one ballot
// in (turnout) and P no longer eligible, the agenda's current item, the recording running again
// (a new part) with the same purpose and start, M's consent given and R's declined. Exit status
// 0 when every phase was ok.
'use strict';
const fs = require('fs');
const path = require('path');
const WebSocket = require('ws');

const [setupUrl, room, ctrl] = process.argv.slice(2);
const wsUrl = (u) => `${u.replace(/^http/, 'ws')}/signaling`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const out = (o) => console.log(JSON.stringify(o));

class Client {
  constructor(name) {
    this.name = name;
    this.events = [];
    this.waiters = [];
    this.ref = 1;
  }

  connect(url) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(wsUrl(url), { handshakeTimeout: 3000 });
      this.ws = ws;
      this.closed = false;
      this.moved = false;
      ws.on('open', () => resolve());
      ws.on('error', (e) => reject(e));
      ws.on('unexpected-response', (req, res) => reject(new Error(`http ${res.statusCode}`)));
      ws.on('message', (data) => {
        if (ws !== this.ws) return; // a socket given up (resume) that still delivers
        const ev = JSON.parse(data.toString());
        if (ev.ns === 'control' && ev.event === 'error' && ev.code === 'moved' && ev.ref === undefined) this.moved = true;
        this.events.push(ev);
        for (const w of this.waiters.slice()) if (w.match(ev)) w.done(ev);
      });
      ws.on('close', () => {
        if (ws !== this.ws) return;
        this.closed = true;
        clearInterval(this.pinger);
        for (const w of this.waiters.slice()) w.fail(new Error('closed'));
      });
      this.pinger = setInterval(() => this.send({ ns: 'control', action: 'ping' }), 2000);
    });
  }

  send(msg) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  // Sends `msg` with a ref; resolves with the reply (or rejects with an error event).
  request(msg, timeoutMs = 5000) {
    const ref = this.ref++;
    const p = this.wait((ev) => ev.ref === ref, timeoutMs);
    this.send({ ...msg, ref });
    return p.then((ev) => {
      if (ev.event === 'error') {
        const e = new Error(`${ev.code}: ${ev.text}`);
        e.ev = ev;
        throw e;
      }
      return ev;
    });
  }

  wait(match, timeoutMs = 5000, since = 0) {
    const seen = this.events.slice(since).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = {
        match,
        done: (ev) => {
          clearTimeout(w.timer);
          this.waiters.splice(this.waiters.indexOf(w), 1);
          resolve(ev);
        },
        fail: (e) => {
          clearTimeout(w.timer);
          this.waiters.splice(this.waiters.indexOf(w), 1);
          reject(e);
        },
      };
      w.timer = setTimeout(() => w.fail(new Error(`${this.name}: timeout`)), timeoutMs);
      this.waiters.push(w);
    });
  }

  async join(url, extra = {}) {
    await this.connect(url);
    this.send({ ns: 'control', action: 'ping' });
    const j = await this.request({ ns: 'control', action: 'join', room, display_name: this.name, ...extra });
    this.joined = j;
    this.id = j.id;
    this.token = j.resume_token;
    return j;
  }

  close() {
    clearInterval(this.pinger);
    if (this.ws) this.ws.terminate();
  }
}

async function setup() {
  const M = new Client('M'), P = new Client('P'), Q = new Client('Q'), R = new Client('R');
  await M.join(setupUrl);
  for (const c of [P, Q, R]) await c.join(setupUrl);
  M.send({ ns: 'moderation', action: 'set_role', id: Q.id, role: 'moderator' });
  await M.wait((ev) => ev.event === 'participant_updated' && ev.participant.id === Q.id && ev.participant.role === 'moderator');
  P.send({ ns: 'hand', action: 'raise' });
  await M.wait((ev) => ev.ns === 'hand' && ev.event === 'raised' && ev.id === P.id);
  const queued = (ids) => (ev) => ev.ns === 'speakers' && ev.event === 'state' && ev.queue.map((q) => q.id).join() === ids.join();
  P.send({ ns: 'speakers', action: 'request' });
  await M.wait(queued([P.id]));
  R.send({ ns: 'speakers', action: 'request' });
  await M.wait(queued([P.id, R.id]));
  const st = await M.request({ ns: 'agenda', action: 'add', title: 'Haushalt 2027' });
  const items = st.items || [];
  const item = items.length ? items[items.length - 1].id : null;
  await M.request({ ns: 'agenda', action: 'current', item });
  const created = await M.request({ ns: 'vote', action: 'create', title: 'Bebauungsplan Süd' });
  const vote = created.vote;
  await P.wait((ev) => ev.ns === 'vote' && ev.event === 'opened');
  await P.request({ ns: 'vote', action: 'cast', vote, option: 0 }); // ballot_ack: committed
  await M.wait((ev) => ev.ns === 'vote' && ev.event === 'turnout' && ev.voted === 1);
  const recRunning = (ev) => ev.ns === 'recording' && ev.event === 'state' && (ev.recording || {}).state === 'running';
  M.send({ ns: 'recording', action: 'start', kind: 'recording', purpose: 'Protokoll der Sitzung' });
  const running = await M.wait(recRunning, 10000); // the answer is the state everyone gets
  const answered = (a) => (ev) => ev.ns === 'recording' && ev.event === 'state' && (ev.you || {}).recording === a;
  M.send({ ns: 'recording', action: 'consent', kind: 'recording', given: true });
  await M.wait(answered('given'));
  R.send({ ns: 'recording', action: 'consent', kind: 'recording', given: false });
  await R.wait(answered('declined'));
  await sleep(800); // the snapshot is written at most every 300 ms after a change
  return { clients: { M, P, Q, R }, item, vote, since: running.recording.since };
}

async function waitFile(name) {
  const f = path.join(ctrl, name);
  for (;;) {
    if (fs.existsSync(f)) {
      const [url, t0] = fs.readFileSync(f, 'utf8').trim().split(/\s+/);
      return { url, t0: BigInt(t0) };
    }
    await sleep(50);
  }
}

// Joins again through `url` with the resume token until joined (or 30 s); returns the joined
// event and the agenda/state that follows it.
async function resume(c, url) {
  const end = Date.now() + 30000;
  let last = 'none';
  let at = url; // as the web client: follows a `moved` URL, back to `url` when that fails
  while (Date.now() < end) {
    try {
      if (c.ws) c.close();
      c.events = [];
      await c.connect(at);
      c.send({ ns: 'control', action: 'ping' });
      const j = await c.request({ ns: 'control', action: 'join', room, display_name: c.name, resume: c.token });
      const agenda = await c.wait((ev) => ev.ns === 'agenda' && ev.event === 'state', 5000);
      c.token = j.resume_token;
      return { joined: j, agenda, at: process.hrtime.bigint() };
    } catch (e) {
      last = e.ev ? `${e.ev.code}${e.ev.url ? ' ' + e.ev.url : ''}` : e.message;
      at = e.ev && e.ev.code === 'moved' && e.ev.url && at === url ? e.ev.url : url;
      await sleep(250);
    }
  }
  throw new Error(`${c.name}: not joined again within 30 s (last: ${last})`);
}

function check(s, r, problems) {
  const { clients } = s;
  for (const [name, c] of Object.entries(clients)) {
    const j = r[name].joined;
    if (j.resumed !== true) problems.push(`${name}: resumed=${j.resumed}`);
    if (j.id !== c.id) problems.push(`${name}: id ${j.id}, was ${c.id}`);
  }
  const j = r.M.joined;
  const by = Object.fromEntries((j.participants || []).map((p) => [p.id, p]));
  const role = (c) => (by[c.id] || {}).role;
  if (role(clients.M) !== 'moderator') problems.push(`M's role: ${role(clients.M)}`);
  if (role(clients.Q) !== 'moderator') problems.push(`Q's role (promoted): ${role(clients.Q)}`);
  if (role(clients.P) !== 'participant') problems.push(`P's role: ${role(clients.P)}`);
  if (!(by[clients.P.id] || {}).hand_raised) problems.push("P's hand is not raised");
  const queue = ((j.speakers || {}).queue || []).map((q) => q.id);
  if (queue.join() !== [clients.P.id, clients.R.id].join()) problems.push(`speakers' list: ${JSON.stringify(queue)}`);
  const v = (j.votes || []).find((x) => x.id === s.vote);
  if (!v) problems.push(`vote ${s.vote} not open in joined: ${JSON.stringify(j.votes)}`);
  else if (v.voted !== 1) problems.push(`vote turnout ${v.voted}, expected 1`);
  const vp = (r.P.joined.votes || []).find((x) => x.id === s.vote);
  if (vp && vp.eligible !== false) problems.push('P may vote again');
  const vr = (r.R.joined.votes || []).find((x) => x.id === s.vote);
  if (vr && vr.eligible !== true) problems.push('R may not vote');
  if (r.M.agenda.current !== s.item) problems.push(`agenda current ${r.M.agenda.current}, expected ${s.item}`);
  const rec = (j.recording || {}).recording || {};
  if (!["starting", "running"].includes(rec.state)) problems.push(`recording state ${rec.state}: ${JSON.stringify(j.recording)}`);
  if (rec.purpose !== 'Protokoll der Sitzung' || rec.since !== s.since)
    problems.push(`recording purpose/since ${rec.purpose}/${rec.since}, expected ${s.since}`);
  const you = (c) => ((r[c].joined.recording || {}).you || {}).recording;
  if (you('M') !== 'given') problems.push(`M's consent: ${you('M')}`);
  if (you('R') !== 'declined') problems.push(`R's consent: ${you('R')}`);
}

async function phase(s, name, file, needMoved) {
  const { url, t0 } = await waitFile(file);
  const problems = [];
  if (needMoved) {
    for (const [n, c] of Object.entries(s.clients)) {
      const end = Date.now() + 15000;
      while (!c.closed && Date.now() < end) await sleep(50);
      if (!c.moved) problems.push(`${n}: not told moved before the close`);
    }
  }
  const r = {};
  let last = 0n;
  try {
    const all = await Promise.all(Object.entries(s.clients).map(async ([n, c]) => [n, await resume(c, url)]));
    for (const [n, x] of all) {
      r[n] = x;
      const ns = BigInt(Date.now()) * 1000000n; // wall clock, as `date +%s%N`
      if (ns > last) last = ns;
    }
  } catch (e) {
    problems.push(e.message);
    out({ phase: name, ok: false, problems });
    return false;
  }
  check(s, r, problems);
  // the new part's recorder reports ready: running again for everyone
  if (problems.length === 0 && ((r.M.joined.recording || {}).recording || {}).state !== 'running') {
    try {
      await s.clients.M.wait((ev) => ev.ns === 'recording' && ev.event === 'state' && (ev.recording || {}).state === 'running', 10000);
    } catch (e) {
      problems.push(`the recording did not run again: ${e.message}`);
    }
  }
  out({ phase: name, ok: problems.length === 0, recovery_ms: Number((last - t0) / 1000000n), problems });
  return problems.length === 0;
}

(async () => {
  let s;
  try {
    s = await setup();
  } catch (e) {
    out({ phase: 'ready', ok: false, problems: [e.message] });
    process.exit(1);
  }
  out({ phase: 'ready', ok: true, ids: Object.fromEntries(Object.entries(s.clients).map(([n, c]) => [n, c.id])) });
  const ok1 = await phase(s, 'failover', 'go1', false);
  const ok2 = ok1 && (await phase(s, 'drain', 'go2', true));
  for (const c of Object.values(s.clients)) c.close();
  process.exit(ok1 && ok2 ? 0 : 1);
})();
