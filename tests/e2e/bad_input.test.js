// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Bad input at a live server: every signaling error code from docs/protocol.md, the rate
// limit and the flood close, HTTP 404/405/413, a foreign Origin, oversized headers — while a
// concurrent meeting in another room keeps exchanging chat undisturbed.

const { test, after, before } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const net = require('node:net');
const WebSocket = require('ws');
const { startServer, watchdog } = require('./lib/harness.js');

const stopWatchdog = watchdog(120000);
let server;

const cleanup = []; // sockets and timers to end even when an assertion failed midway
before(async () => { server = await startServer(); });
after(async () => {
  for (const f of cleanup) { try { f(); } catch { /* already closed */ } }
  await server.stop();
  stopWatchdog();
});

/** A signaling client that records every event. */
function client(url, opts = {}) {
  const ws = new WebSocket(url.replace('http', 'ws') + '/signaling', opts);
  const events = [];
  const waiters = [];
  ws.on('message', (data, isBinary) => {
    const ev = JSON.parse(data.toString());
    events.push(ev);
    for (const w of [...waiters]) if (w.pred(ev)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(ev); }
  });
  const closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const opened = new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  return {
    ws, events, closed, opened,
    send(obj) { ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj)); },
    next(pred, timeout = 3000, what = 'event') {
      const found = events.find(pred);
      if (found) { events.splice(events.indexOf(found), 1); return Promise.resolve(found); }
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (ev) => { events.splice(events.indexOf(ev), 1); resolve(ev); } };
        waiters.push(w);
        setTimeout(() => reject(new Error(`timeout waiting for ${what}; got ${JSON.stringify(events.slice(-5))}`)), timeout);
      });
    },
  };
}

const isError = (code) => (ev) => ev.event === 'error' && ev.code === code;

async function join(c, room, name) {
  await c.opened;
  c.send({ ns: 'control', action: 'join', room, display_name: name });
  return c.next((e) => e.event === 'joined', 3000, 'joined');
}

function httpRequest(port, { method = 'GET', path = '/', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let data = '';
      res.on('data', (d) => { data += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

test('every bad signaling input gets its error code while another meeting is undisturbed', async () => {
  // the concurrent meeting
  const a = client(server.url);
  const b = client(server.url);
  await join(a, 'calm-meeting', 'Anna');
  await join(b, 'calm-meeting', 'Bernd');
  let sent = 0;
  const chatter = setInterval(() => { a.send({ ns: 'chat', action: 'send', text: `msg ${sent++}` }); }, 100);
  cleanup.push(() => { clearInterval(chatter); a.ws.terminate(); b.ws.terminate(); });

  const c = client(server.url);
  cleanup.push(() => c.ws.terminate());
  await c.opened;
  const cases = [
    ['{not json', 'invalid_json'],
    ['[1,2,3]', 'not_object'],
    ['"just a string"', 'not_object'],
    [JSON.stringify({ action: 'join' }), 'missing_field'],
    [JSON.stringify({ ns: 42, action: 'join' }), 'invalid_type'],
    [JSON.stringify({ ns: 'weather', action: 'get' }), 'unknown_ns'],
    [JSON.stringify({ ns: 'control', action: 'dance' }), 'unknown_action'],
    ['{"ns":"control","action":"ping","x":' + '['.repeat(20) + ']'.repeat(20) + '}', 'too_deep'],
    [JSON.stringify({ ns: 'chat', action: 'send', text: 'hi' }), 'not_joined'],
    [JSON.stringify({ ns: 'control', action: 'join', room: 'ok-room' }), 'missing_field'],
    [JSON.stringify({ ns: 'control', action: 'join', room: 'ok-room', display_name: '   ' }), 'empty_value'],
    [JSON.stringify({ ns: 'control', action: 'join', room: 'ok-room', display_name: 'x'.repeat(65) }), 'too_long'],
    [JSON.stringify({ ns: 'control', action: 'join', room: 'ok-room', display_name: 'bell\u0007' }), 'invalid_value'],
    [JSON.stringify({ ns: 'control', action: 'join', room: '../../etc', display_name: 'Eve' }), 'invalid_room'],
    [JSON.stringify({ ns: 'control', action: 'join', room: 5, display_name: 'Eve' }), 'invalid_type'],
    [JSON.stringify({ ns: 'control', action: 'ping', pad: 'x'.repeat(17000) }), 'frame_too_large'],
  ];
  for (const [msg, code] of cases) {
    c.send(msg);
    const ev = await c.next((e) => e.event === 'error', 3000, `error for ${msg.slice(0, 40)}`);
    assert.equal(ev.code, code, `for ${msg.slice(0, 60)}: ${JSON.stringify(ev)}`);
    assert.ok(typeof ev.text === 'string' && ev.text.length > 0);
    await new Promise((r) => setTimeout(r, 60)); // stay under the rate limit here
  }
  c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
  assert.equal((await c.next((e) => e.event === 'error')).code, 'binary_frame');

  // now joined: already_joined, chat too long, ref echoed
  await new Promise((r) => setTimeout(r, 200));
  c.send({ ns: 'control', action: 'join', room: 'attack-room', display_name: 'Eve', ref: 'j1' });
  const joined = await c.next((e) => e.event === 'joined');
  assert.equal(joined.ref, 'j1');
  c.send({ ns: 'control', action: 'join', room: 'attack-room', display_name: 'Eve' });
  assert.equal((await c.next((e) => e.event === 'error')).code, 'already_joined');
  c.send({ ns: 'chat', action: 'send', text: 'y'.repeat(2001), ref: 9 });
  const tooLong = await c.next((e) => e.event === 'error');
  assert.equal(tooLong.code, 'too_long');
  assert.equal(tooLong.ns, 'chat');
  assert.equal(tooLong.field, 'text');
  assert.equal(tooLong.ref, 9);
  c.send({ ns: 'chat', action: 'send', text: 'z'.repeat(2000) });
  assert.equal((await c.next((e) => e.ns === 'chat' && e.event === 'message')).text.length, 2000);

  // rate limit: a burst beyond 2x20 gets rate_limited, the connection stays
  await new Promise((r) => setTimeout(r, 2100));
  for (let i = 0; i < 60; i++) c.send({ ns: 'control', action: 'ping' });
  await c.next(isError('rate_limited'), 3000, 'rate_limited');
  assert.equal(c.ws.readyState, WebSocket.OPEN);
  // flood: keeps going → the server closes it (1008 rate_limited). Under a burst the close
  // frame can be overtaken by a TCP reset (the client's unread frames), which the client sees
  // as 1006; the server-side counter below proves the close was the flood rule either way.
  for (let i = 0; i < 300; i++) c.send({ ns: 'control', action: 'ping' });
  const closed = await Promise.race([c.closed, new Promise((r) => setTimeout(() => r(null), 5000))]);
  assert.ok(closed, 'flooding connection was not closed');
  assert.ok(closed.code === 1008 || closed.code === 1006, `close code ${closed.code}`);
  if (closed.code === 1008) assert.equal(closed.reason, 'rate_limited');

  // the calm meeting got every chat message, in order, and is still up
  clearInterval(chatter);
  const last = sent - 1;
  await b.next((e) => e.ns === 'chat' && e.text === `msg ${last}`, 3000, 'last chat message');
  assert.equal(a.ws.readyState, WebSocket.OPEN);
  assert.equal(b.ws.readyState, WebSocket.OPEN);

  // counted in /metrics
  const metrics = (await httpRequest(server.port, { path: '/metrics' })).body;
  for (const code of ['invalid_json', 'not_object', 'too_deep', 'frame_too_large', 'binary_frame', 'rate_limited', 'invalid_room']) {
    const m = metrics.match(new RegExp(`ratsaal_signaling_errors_total\\{code="${code}"\\} (\\d+)`));
    assert.ok(m && Number(m[1]) >= 1, `metric for ${code}`);
  }
  assert.match(metrics, /ratsaal_signaling_closed_total\{reason="flood"\} [1-9]/);
  a.ws.close();
  b.ws.close();
});

test('HTTP: 404, 405, 413, foreign Origin refused, oversized headers do not hurt', async () => {
  const r404 = await httpRequest(server.port, { path: '/no/such/thing' });
  assert.equal(r404.status, 404);
  assert.match(r404.headers['content-security-policy'], /default-src 'self'/);
  assert.equal(r404.headers['x-content-type-options'], 'nosniff');
  assert.equal(r404.headers['referrer-policy'], 'no-referrer');
  const r405 = await httpRequest(server.port, { method: 'POST', path: '/healthz', body: 'x', headers: { 'content-length': 1 } });
  assert.equal(r405.status, 405);
  assert.equal(r405.headers.allow, 'GET, HEAD');
  const r413 = await httpRequest(server.port, { method: 'POST', path: '/', headers: { 'content-length': 10000000 } });
  assert.equal(r413.status, 413);
  const longPath = await httpRequest(server.port, { path: '/' + 'a'.repeat(3000) });
  assert.equal(longPath.status, 413);
  const badRoom = await httpRequest(server.port, { path: '/r/..%2Fetc' });
  assert.equal(badRoom.status, 404);

  // headers beyond the limit: the connection is closed, the server keeps serving
  await new Promise((resolve) => {
    const s = net.connect(server.port, '127.0.0.1', () => {
      s.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`);
    });
    s.on('error', () => resolve());
    s.on('close', () => resolve());
    setTimeout(() => { s.destroy(); resolve(); }, 3000);
  });
  const health = await httpRequest(server.port, { path: '/healthz' });
  assert.equal(health.status, 200);
  assert.equal(JSON.parse(health.body).status, 'ok');

  // cross-site WebSocket: refused
  const foreign = new WebSocket(server.url.replace('http', 'ws') + '/signaling', { origin: 'https://evil.example' });
  const outcome = await new Promise((resolve) => {
    foreign.once('open', () => resolve('open'));
    foreign.once('error', () => resolve('refused'));
    foreign.once('unexpected-response', () => resolve('refused'));
  });
  assert.equal(outcome, 'refused');
  // same origin: accepted
  const same = new WebSocket(server.url.replace('http', 'ws') + '/signaling', { origin: server.url });
  await new Promise((resolve, reject) => { same.once('open', resolve); same.once('error', reject); });
  same.close();
});
