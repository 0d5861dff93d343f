// SPDX-License-Identifier: EUPL-1.2
'use strict';
// A plain TCP relay for tests: node tcp_proxy.js LISTEN_PORT TARGET_HOST TARGET_PORT.
// Listens on 127.0.0.1:LISTEN_PORT and relays each connection to TARGET_HOST:TARGET_PORT; prints
// "ready" once listening. netns.js runs it inside a child network namespace so a browser there
// loads its page from 127.0.0.1 (a secure context) while the server is on the other side of a link
// the test can cut.

const net = require('node:net');

const [listenPort, host, port] = process.argv.slice(2);
const server = net.createServer((a) => {
  const b = net.connect(Number(port), host);
  a.pipe(b);
  b.pipe(a);
  const end = () => { a.destroy(); b.destroy(); };
  a.on('error', end);
  b.on('error', end);
  a.on('close', end);
  b.on('close', end);
});
server.listen(Number(listenPort), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
