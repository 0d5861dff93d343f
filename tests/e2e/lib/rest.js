// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Server-side tests without a browser: local accounts made with `ratsaal user add`, a server
// started on a data directory of the test's choosing (so it can be killed and started again on
// it), plain HTTP requests and local login. Shared by vote-durability and attendance tests.

const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const http = require('node:http');
const path = require('node:path');
const h = require('./harness.js');

const BIN = process.env.RATSAAL_BIN || path.join(h.ROOT, 'bin/ratsaal');
const PASSWORD = 'correct horse battery staple';

function addUser(dataDir, name) {
  const r = spawnSync(BIN, ['user', 'add', name, '--role', 'user', '--data', dataDir],
    { input: `${PASSWORD}\n`, encoding: 'utf8', timeout: 20000 });
  assert.equal(r.status, 0, `user add ${name}: ${r.stderr}`);
}

/** Starts the server; `cleanup` (an array) gets a function that kills it. */
async function startAt(dataDir, port, udpPort, config, cleanup) {
  const proc = spawn(BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--data', dataDir, '--udp-port', String(udpPort),
    '--web', h.WEB, '--config', config], { cwd: h.ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stderr.on('data', (d) => { out += d; });
  proc.stdout.on('data', (d) => { out += d; });
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  cleanup.push(() => proc.kill('SIGKILL'));
  await h.waitHealthz(`http://127.0.0.1:${port}`, 10000, proc);
  return { proc, exited, output: () => out };
}

function request(port, { method = 'GET', path: p, cookie, body }) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
    const headers = { host: `127.0.0.1:${port}` };
    if (cookie) headers.cookie = cookie;
    if (data) { headers['content-type'] = 'application/json'; headers['content-length'] = data.length; }
    const req = http.request({ host: '127.0.0.1', port, method, path: p, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    // a local login waits for argon2id on the job thread: on two cores shared with a second lane
    // of browsers that took more than 5 s, so the limit follows the suite's waits
    const limit = Math.max(5000, Number(process.env.RATSAAL_E2E_TIMEOUT_MS) || 0);
    req.setTimeout(limit, () => req.destroy(new Error(`${method} ${p} timed out after ${limit} ms`)));
    if (data) req.write(data);
    req.end();
  });
}

async function login(port, username) {
  const r = await request(port, { method: 'POST', path: '/auth/local/login', body: { username, password: PASSWORD } });
  assert.equal(r.status, 200, `login ${username}: ${r.body}`);
  const c = [].concat(r.headers['set-cookie'] || []).find((s) => s.startsWith('ratsaal_session='));
  assert.ok(c, 'session cookie');
  return c.split(';')[0];
}

module.exports = { BIN, PASSWORD, addUser, startAt, request, login };
