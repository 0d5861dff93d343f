// SPDX-License-Identifier: EUPL-1.2
// One signaling join for tests/ops/cluster.test.sh, without a browser:
//   node tests/ops/cluster_join.js URL ROOM [HOLD_S]
// connects to URL/signaling, sends control/join to ROOM and prints one JSON line: the joined
// event ({"event":"joined"}) or the error ({"event":"error","code":…,"url":…,"node":…}).
// With HOLD_S it stays in the room that long (or until killed) after printing, so that the
// room stays open on that node, or until the server closes the connection. Exit status 0
// when joined, 1 otherwise.
'use strict';
const WebSocket = require('ws');

const [url, room, hold] = process.argv.slice(2);
const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/signaling`, { handshakeTimeout: 5000 });
let timer = null;
let done = false;
const finish = (line, code) => {
  if (done) return;
  done = true;
  clearTimeout(timer);
  console.log(JSON.stringify(line));
  if (code === 0 && Number(hold) > 0) {
    setTimeout(() => process.exit(0), Number(hold) * 1000);
    return;
  }
  ws.terminate();
  process.exit(code);
};
timer = setTimeout(() => finish({ event: 'timeout' }, 1), 8000);
ws.on('open', () => ws.send(JSON.stringify({ ns: 'control', action: 'join', room, display_name: 'Probe' })));
ws.on('message', (data) => {
  const ev = JSON.parse(data.toString());
  if (ev.ns === 'control' && ev.event === 'joined') finish({ event: 'joined' }, 0);
  else if (ev.event === 'error')
    finish({ event: 'error', code: ev.code, url: ev.url, node: ev.node, retry_after_s: ev.retry_after_s }, 1);
});
ws.on('close', () => (done ? process.exit(0) : finish({ event: 'closed' }, 1))); // holding: the server went away
ws.on('unexpected-response', (req, res) => finish({ event: 'http', status: res.statusCode }, 1));
ws.on('error', (e) => finish({ event: 'socket', error: e.message }, 1));
