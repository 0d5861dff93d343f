// SPDX-License-Identifier: EUPL-1.2
// Changes made through the REST API of one node reach a meeting served by another (issue 18,
// docs/cluster.md section 5), for tests/ops/cluster.test.sh, without a browser:
//   node tests/ops/cluster_notice.js OWNER_URL OTHER_URL USER PASSWORD
// Logs in through OTHER, creates a meeting, joins it through OWNER (the room opens there; a
// `moved` is followed once), then through OTHER: turns the lobby on (PATCH), replaces the agenda
// (PUT …/agenda) and deletes the meeting (DELETE). Prints one JSON line per check,
// {"check": …, "ok": true|false, "ms": …, "detail": …}: what the participant on OWNER saw, and
// how long after the REST answer. Exit status 0 when every check passed.
'use strict';
const http = require('node:http');
const WebSocket = require('ws');

const [ownerUrl, otherUrl, user, password] = process.argv.slice(2);
const WAIT_MS = 8000;

function request(base, method, path, cookie, body) {
  const u = new URL(path, base);
  const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
  const headers = { host: u.host };
  if (cookie) headers.cookie = cookie;
  if (method !== 'GET') headers['content-type'] = 'application/json'; // the CSRF rule (docs/api.md)
  if (data) headers['content-length'] = data.length;
  return new Promise((resolve, reject) => {
    const req = http.request(u, { method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.setTimeout(10000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    if (data) req.write(data);
    req.end();
  });
}

let failed = 0;
const report = (check, ok, ms, detail) => {
  if (!ok) failed++;
  console.log(JSON.stringify({ check, ok, ms, detail }));
};

/** A participant: every event it receives, and waits for one that matches. */
function participant(base, cookie, room) {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/signaling`, { headers: { cookie }, handshakeTimeout: 5000 });
  const events = [];
  const waiters = [];
  let closed = false;
  const check = () => {
    for (const w of [...waiters]) {
      const ev = events.find(w.pred);
      if (ev || (w.onClose && closed)) { waiters.splice(waiters.indexOf(w), 1); clearTimeout(w.timer); w.resolve(ev || 'closed'); }
    }
  };
  ws.on('message', (d) => { events.push(JSON.parse(d.toString())); check(); });
  ws.on('close', () => { closed = true; check(); });
  ws.on('error', () => {});
  const opened = new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  return {
    ws, events, opened,
    wait(pred, onClose = false) {
      return new Promise((resolve) => {
        const w = { pred, onClose, resolve, timer: setTimeout(() => { waiters.splice(waiters.indexOf(w), 1); resolve(null); }, WAIT_MS) };
        waiters.push(w);
        check();
      });
    },
  };
}

(async () => {
  const lr = await request(otherUrl, 'POST', '/auth/local/login', null, { username: user, password });
  const cookie = ([].concat(lr.headers['set-cookie'] || []).find((s) => s.startsWith('ratsaal_session=')) || '').split(';')[0];
  report('login through the other node', lr.status === 200 && !!cookie, 0, lr.status);
  const mr = await request(otherUrl, 'POST', '/api/v1/meetings', cookie, { title: 'Hauptausschuss', lobby: false });
  const id = mr.status === 201 ? JSON.parse(mr.text).id : null;
  report('meeting created through the other node', !!id, 0, mr.status);
  if (!id) process.exit(1);

  let p = participant(ownerUrl, cookie, id);
  await p.opened;
  p.ws.send(JSON.stringify({ ns: 'control', action: 'join', room: id, display_name: 'Vorsitz' }));
  let first = await p.wait((e) => (e.ns === 'control' && e.event === 'joined') || e.event === 'error');
  let servedBy = ownerUrl;
  if (first && first.event === 'error' && first.code === 'moved' && first.url) { // placed elsewhere
    p.ws.terminate();
    servedBy = first.url;
    p = participant(servedBy, cookie, id);
    await p.opened;
    p.ws.send(JSON.stringify({ ns: 'control', action: 'join', room: id, display_name: 'Vorsitz' }));
    first = await p.wait((e) => (e.ns === 'control' && e.event === 'joined') || e.event === 'error');
  }
  report('the participant joined the meeting', !!first && first.event === 'joined', 0, first);
  // the REST calls go to a node that does not serve the room
  const rest = servedBy === otherUrl ? ownerUrl : otherUrl;

  let t0 = Date.now();
  const pr = await request(rest, 'PATCH', `/api/v1/meetings/${id}`, cookie, { lobby: true });
  t0 = Date.now();
  const lobby = await p.wait((e) => e.ns === 'moderation' && e.event === 'lobby_changed' && e.enabled === true);
  report('lobby turned on through another node reaches the participant', pr.status === 200 && !!lobby, Date.now() - t0, pr.status);

  const ar = await request(rest, 'PUT', `/api/v1/meetings/${id}/agenda`, cookie, { items: [{ title: 'TOP 1 Haushalt' }] });
  t0 = Date.now();
  const agenda = await p.wait((e) => e.ns === 'agenda' && e.event === 'state' &&
    Array.isArray(e.items) && e.items.length === 1 && e.items[0].title === 'TOP 1 Haushalt');
  report('agenda replaced through another node reaches the participant', ar.status === 200 && !!agenda, Date.now() - t0, ar.status);

  const dr = await request(rest, 'DELETE', `/api/v1/meetings/${id}`, cookie);
  t0 = Date.now();
  const gone = await p.wait(() => false, true);
  report('meeting deleted through another node ends it for the participant', dr.status < 300 && gone === 'closed', Date.now() - t0, `${dr.status} ${dr.text}`);
  p.ws.terminate();
  process.exit(failed ? 1 : 0);
})().catch((e) => { report('no exception', false, 0, String(e)); process.exit(1); });
