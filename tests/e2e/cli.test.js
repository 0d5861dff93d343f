// SPDX-License-Identifier: EUPL-1.2
'use strict';
// The binary as an operator meets it: --version/--help, one clear line and exit 2 for every bad
// flag or config value, rooms and their settings surviving a restart (SQLite in WAL mode), and
// a clean exit 0 on SIGINT as well as SIGTERM.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const WebSocket = require('ws');
const h = require('./lib/harness.js');

const BIN = process.env.RATSAAL_BIN || path.join(h.ROOT, 'bin/ratsaal');
const stopWatchdog = h.watchdog(90000);
test.after(() => stopWatchdog());

function run(args, opts = {}) {
  return spawnSync(BIN, args, { encoding: 'utf8', timeout: 10000, cwd: h.ROOT, ...opts });
}

test('--version and --help', () => {
  const v = run(['--version']);
  assert.equal(v.status, 0);
  assert.match(v.stdout, /^ratsaal \d+\.\d+\.\d+\n$/);
  const help = run(['--help']);
  assert.equal(help.status, 0);
  for (const flag of ['--config', '--listen', '--data', '--udp-port', '--public-ip']) assert.ok(help.stdout.includes(flag), flag);
  // the user command's help, asked for after the action too, names --data
  for (const args of [['user', '--help'], ['user', 'add', '--help'], ['user', 'list', '-h']]) {
    const r = run(args);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /--data DIR/, args.join(' '));
  }
});

test('bad flags and config values: one line naming the key, exit 2', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ratsaal-cli-'));
  const conf = (text) => { const f = path.join(dir, `c${Math.random()}.conf`); fs.writeFileSync(f, text); return f; };
  const cases = [
    [['serve', '--listen', 'nowhere'], /--listen: listen:/],
    [['serve', '--udp-port', '0'], /udp_port/],
    [['serve', '--udp-port'], /--udp-port: missing value/],
    [['serve', '--frobnicate'], /unknown option '--frobnicate'/],
    [['serve', '--log-level', 'loud'], /log_level/],
    [['serve', '--config', '/nonexistent.conf'], /cannot open/],
    [['serve', '--config', conf('max_participants = many\n')], /:1: max_participants: expected a whole number/],
    [['serve', '--config', conf('# fine\ncolour = blue\n')], /:2: colour: unknown setting/],
    [['serve', '--config', conf('listen = 0.0.0.0:8080\n')], /public_ip: required/],
    [['nonsense'], /unknown command 'nonsense'/],
  ];
  for (const [args, re] of cases) {
    const r = run(args);
    assert.equal(r.status, 2, `${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.match(lines[0], re, `${args.join(' ')}: ${r.stderr}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

async function startAt(dataDir, port, udpPort) {
  const proc = spawn(BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--data', dataDir, '--udp-port', String(udpPort), '--web', h.WEB],
    { cwd: h.ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  await h.waitHealthz(`http://127.0.0.1:${port}`, 10000, proc);
  return { proc, exited, output: () => out };
}

function joinRoom(port, room, extra = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/signaling`);
    ws.on('message', (d) => {
      const ev = JSON.parse(d.toString());
      if (ev.event === 'joined') { ws.close(); resolve(ev); }
      if (ev.event === 'error') { ws.close(); reject(new Error(JSON.stringify(ev))); }
    });
    ws.on('open', () => ws.send(JSON.stringify({ ns: 'control', action: 'join', room, display_name: 'Op', ...extra })));
    ws.on('error', reject);
    setTimeout(() => reject(new Error('join timeout')), 5000);
  });
}

test('rooms and their settings persist across a restart; SIGINT and SIGTERM exit 0', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ratsaal-persist-'));
  const port = await h.freeTcpPort();
  const udpPort = await h.freeUdpPort();
  let s = await startAt(dataDir, port, udpPort);
  const first = await joinRoom(port, 'bauausschuss', { title: 'Bauausschuss 12. Sitzung' });
  assert.equal(first.room_settings.title, 'Bauausschuss 12. Sitzung');
  s.proc.kill('SIGINT');
  assert.deepEqual(await s.exited, { code: 0, signal: null });
  assert.match(s.output(), /event=stopped/);
  assert.ok(fs.existsSync(path.join(dataDir, 'ratsaal.db')));

  s = await startAt(dataDir, port, udpPort);
  // a different title on a later join does not overwrite the stored one
  const again = await joinRoom(port, 'bauausschuss', { title: 'something else' });
  assert.equal(again.room_settings.title, 'Bauausschuss 12. Sitzung');
  assert.doesNotMatch(s.output(), /migrated version=1/); // schema already there
  s.proc.kill('SIGTERM');
  assert.deepEqual(await s.exited, { code: 0, signal: null });
  fs.rmSync(dataDir, { recursive: true, force: true });
});
