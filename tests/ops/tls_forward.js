// SPDX-License-Identifier: EUPL-1.2
// A loopback TCP-to-TLS forwarder for tests/ops/cascade_tls.test.sh: the load generator
// (bench/ratsaal-load) speaks plain WebSocket only, and the node it must reach serves TLS.
//   node tests/ops/tls_forward.js LISTEN_PORT TARGET_PORT CA_FILE
// Every connection to 127.0.0.1:LISTEN_PORT is piped to a TLS connection to
// 127.0.0.1:TARGET_PORT that verifies the server's certificate against CA_FILE (and the name
// 127.0.0.1). The request's Host and Origin headers name the forwarder (plain, its port); they
// are rewritten to the target's, which the server checks. Prints "listening" once it accepts connections; runs until
// killed.
'use strict';
const fs = require('node:fs');
const net = require('node:net');
const tls = require('node:tls');

const [listen, target, caFile] = process.argv.slice(2);
const ca = fs.readFileSync(caFile);
net.createServer((plain) => {
  const secure = tls.connect({ host: '127.0.0.1', port: Number(target), ca });
  let head = true; // the upgrade request comes first, in one write of the load generator
  plain.on('data', (d) => {
    if (head) {
      head = false;
      d = Buffer.from(d.toString('latin1')
        .replace(/^Host: 127\.0\.0\.1:\d+\r$/im, `Host: 127.0.0.1:${target}\r`)
        .replace(/^Origin: http:\/\/127\.0\.0\.1:\d+\r$/im, `Origin: https://127.0.0.1:${target}\r`), 'latin1');
    }
    secure.write(d);
  });
  secure.pipe(plain);
  const end = () => { plain.destroy(); secure.destroy(); };
  plain.on('error', end);
  secure.on('error', (e) => { console.error(`tls: ${e.message}`); end(); });
}).listen(Number(listen), '127.0.0.1', () => console.log('listening'));
