// SPDX-License-Identifier: EUPL-1.2
// One signaling join through a load balancer, following `moved` as the browser client does
// (web/js/signaling.js movedSignalingUrl, at most 3 in a row), for tests/ops/cluster_lb.test.sh:
//   node tests/ops/lb_join.js URL ROOM [HOLD_S]
// connects to URL/signaling, sends control/join to ROOM; on `moved` with a url it connects to
// url + /signaling and joins again; on `moved` without one it waits retry_after_s and tries URL
// again. Prints one JSON line: {"event":"joined","via":[every URL it connected to]} or the last
// error ({"event":"error","code":…,"via":[…]}). With HOLD_S it stays in the room that long
// after printing. Each connection sends the Origin of the URL it goes to (a page of that
// load balancer). Exit status 0 when joined, 1 otherwise.
'use strict';
const WebSocket = require('ws');

const [origin, room, hold] = process.argv.slice(2);
const MOVED_MAX = 3;
const via = [];
const wsUrl = (u) => `${u.replace(/\/+$/, '').replace(/^http/, 'ws')}/signaling`;

function attempt(url) {
  return new Promise((resolve) => {
    via.push(url);
    const ws = new WebSocket(wsUrl(url), { handshakeTimeout: 5000, headers: { Origin: new URL(url).origin } });
    const timer = setTimeout(() => { ws.terminate(); resolve({ event: 'timeout' }); }, 8000);
    const done = (r) => { clearTimeout(timer); resolve(r); };
    ws.on('open', () => ws.send(JSON.stringify({ ns: 'control', action: 'join', room, display_name: 'Probe' })));
    ws.on('message', (data) => {
      const ev = JSON.parse(data.toString());
      if (ev.ns === 'control' && ev.event === 'joined') done({ event: 'joined', ws });
      else if (ev.event === 'error') { ws.terminate(); done({ event: 'error', code: ev.code, url: ev.url, node: ev.node, retry_after_s: ev.retry_after_s }); }
    });
    ws.on('unexpected-response', (req, res) => done({ event: 'http', status: res.statusCode }));
    ws.on('error', (e) => done({ event: 'socket', error: e.message }));
    ws.on('close', () => done({ event: 'closed' }));
  });
}

(async () => {
  let url = origin;
  let r;
  for (let hop = 0; hop <= MOVED_MAX; hop++) {
    r = await attempt(url);
    if (r.event !== 'error' || r.code !== 'moved') break;
    if (r.url) url = r.url;
    else { url = origin; await new Promise((ok) => setTimeout(ok, 1000 * (r.retry_after_s || 1))); }
  }
  const { ws, ...line } = r;
  console.log(JSON.stringify({ ...line, via }));
  if (r.event !== 'joined') process.exit(1);
  if (Number(hold) > 0) {
    ws.on('close', () => process.exit(0));
    setTimeout(() => process.exit(0), Number(hold) * 1000);
  } else {
    ws.terminate();
    process.exit(0);
  }
})();
