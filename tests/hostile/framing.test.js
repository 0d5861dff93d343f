// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Request framing. A request with both Content-Length and Transfer-Encoding was answered
// twice: the server read Content-Length bytes of the chunked body, and the HTTP library took
// the rest for a second request. A proxy in front that frames by the other header would put
// an attacker's bytes in front of the next user's request (request smuggling). Now a
// Transfer-Encoding request is refused with one answer (400 with Content-Length, 411 without)
// and the connection is closed.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('../e2e/lib/harness.js');
const idp = require('../e2e/lib/idp.js');
const edge = require('./lib/edge.js');

const stopWatchdog = h.watchdog(60000);
let srv;

before(async () => { srv = await idp.startRatsaal({}); });
after(async () => {
  if (srv) await srv.stop();
  stopWatchdog();
});

// a response's status line may follow the previous body directly
const statusLines = (text) => text.match(/HTTP\/1\.[01] \d{3}[^\r\n]*/g) || [];

test('Content-Length and Transfer-Encoding together: one 400, connection closed', async () => {
  const body = '{"username":"x","password":"y"}';
  const smuggled = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
  const chunked = `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n${smuggled}`;
  const ref0 = await edge.metric(srv.url, 'ratsaal_http_refused_total{reason="framing"}');
  const r = await edge.raw(srv.port, `POST /auth/local/login HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n${chunked}`);
  assert.deepEqual(statusLines(r.text), ['HTTP/1.1 400 Bad Request'], r.text);
  assert.ok(r.closed, 'the connection is closed');
  assert.equal(await edge.metric(srv.url, 'ratsaal_http_refused_total{reason="framing"}') - ref0, 1);
  // the same with the headers the other way round, and on a page
  const r2 = await edge.raw(srv.port, `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n${smuggled}`);
  assert.deepEqual(statusLines(r2.text), ['HTTP/1.1 400 Bad Request'], r2.text);
  assert.ok(r2.closed);
});

test('Transfer-Encoding without Content-Length: one 411, connection closed', async () => {
  const body = '{"username":"x","password":"y"}';
  const r = await edge.raw(srv.port, `POST /auth/local/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
    `Transfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`);
  assert.deepEqual(statusLines(r.text), ['HTTP/1.1 411 Length Required'], r.text);
  assert.ok(r.closed);
  // the server keeps serving, and ordinary keep-alive requests are answered once each
  const k = await edge.raw(srv.port, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, { quietMs: 800 });
  assert.equal(statusLines(k.text).length, 2, k.text);
});
