// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Network namespaces for the tests that need a real network: Firefox (which gathers no loopback
// ICE candidates), UDP-less networks, TURN, cut links and netem. Nothing here leaves the machine.
//
// A test file that uses this runs as root inside a network namespace of its own:
//     unshare -n node --test tests/netns/x.test.js
// (scripts/test.sh starts every file under tests/netns/ that way). setup() then builds:
//
//     test namespace (server, Chromium/Firefox for most pages, coturn, ...)
//       lo 127.0.0.1            pages are loaded from http://127.0.0.1:PORT (a secure context)
//       v0 10.77.0.1/24  <-veth->  v1 10.77.0.2/24      default route on v0; 10.77.0.1 is the
//                                                       server's public_ip (media goes there)
//     child namespaces (child()): one browser each, whose network a test can cut or shape
//       cN 10.78.N.2/24 (default route via 10.78.N.1, the test namespace's end of the veth)
//       lo 127.0.0.1:PORT  a TCP proxy to 10.77.0.1:PORT, so that page is on 127.0.0.1 too
//
// Rules with nft live in table `inet ratsaal_test` of the namespace they are added in.

const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const HOST_IP = '10.77.0.1';
const PEER_IP = '10.77.0.2';
const children = new Set();
let ready = false;

/** Runs a command (no shell); throws with its stderr on failure. */
function sh(cmd, args, { ns } = {}) {
  const argv = ns ? ['ip', ['netns', 'exec', ns, cmd, ...args]] : [cmd, args];
  try {
    return execFileSync(argv[0], argv[1], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`${[cmd, ...args].join(' ')}${ns ? ` (in ${ns})` : ''}: ${(e.stderr || e.message).trim()}`);
  }
}

/** True when this process is root in a network namespace with nothing but its loopback. */
function inFreshNamespace() {
  if (process.getuid() !== 0) return false;
  // (not /sys/class/net: sysfs shows the namespace it was mounted in)
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).trim().split('\n');
  return links.length === 1 && /^\d+: lo:/.test(links[0]);
}

/**
 * Builds the test namespace (see the top of this file). Call once per file, before starting the
 * server; throws unless the file was started with `unshare -n`.
 * @returns {{hostIp: string, peerIp: string}}
 */
function setup() {
  if (ready) return { hostIp: HOST_IP, peerIp: PEER_IP };
  if (!inFreshNamespace()) {
    throw new Error(`${path.basename(process.argv[1] || 'this test')} needs a network namespace of its own: ` +
      'run it as root with `unshare -n node --test FILE` (scripts/test.sh does)');
  }
  sh('ip', ['link', 'set', 'lo', 'up']);
  sh('ip', ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  sh('ip', ['addr', 'add', `${HOST_IP}/24`, 'dev', 'v0']);
  sh('ip', ['addr', 'add', `${PEER_IP}/24`, 'dev', 'v1']);
  sh('ip', ['link', 'set', 'v0', 'up']);
  sh('ip', ['link', 'set', 'v1', 'up']);
  sh('ip', ['route', 'add', 'default', 'dev', 'v0']);
  ready = true;
  process.once('exit', cleanup);
  return { hostIp: HOST_IP, peerIp: PEER_IP };
}

/** Server options for harness.startServer() in the namespace: every address, public_ip on v0. */
function serverOptions(extraConfig = '') {
  return { listen: '0.0.0.0', config: `public_ip = ${HOST_IP}\nanonymous_meetings = on\n${extraConfig}` };
}

/** nft rules in the test namespace (or a child's): `nft add rule inet ratsaal_test output <rule>`. */
function nftTable(ns) {
  const run = (args) => sh('nft', args, { ns });
  run(['add', 'table', 'inet', 'ratsaal_test']);
  for (const hook of ['input', 'output']) {
    run(['add', 'chain', 'inet', 'ratsaal_test', hook, `{ type filter hook ${hook} priority 0 ; policy accept ; }`]);
  }
  return {
    /** Adds one rule, e.g. rule('output', 'meta l4proto udp drop'). */
    rule(chain, text) { run(['add', 'rule', 'inet', 'ratsaal_test', chain, ...text.split(' ')]); },
    /** Removes every rule of the table (the chains stay, accepting everything). */
    flush() { for (const c of ['input', 'output']) run(['flush', 'chain', 'inet', 'ratsaal_test', c]); },
    /** Packet counters of the rules, as nft prints them. */
    list() { return run(['list', 'table', 'inet', 'ratsaal_test']); },
  };
}

let nftMain = null;
/** Drops every UDP packet in the test namespace except on loopback (DNS-free tests need none). */
function dropUdp() {
  nftMain = nftMain || nftTable();
  nftMain.rule('output', 'oifname != "lo" meta l4proto udp counter drop');
  nftMain.rule('input', 'iifname != "lo" meta l4proto udp counter drop');
  return nftMain;
}

/** The test namespace's nft table, for rules of a test's own. */
function nft() {
  nftMain = nftMain || nftTable();
  return nftMain;
}

let childCount = 0;
/**
 * A namespace of its own for one browser, joined to the test namespace by a veth pair, with a TCP
 * proxy on its 127.0.0.1:port to the server (so its page is a secure context as well).
 * @param {number} port  the server's HTTP port
 * @returns child with .name, .ip, .launchArgs (for harness.launchBrowser), .down(), .up(),
 *          .netem(spec) / .clearNetem() on the link towards the child (its downstream),
 *          .netemUp(spec) on the child's own end (its upstream), .nft(), .run(cmd, args), .destroy()
 */
async function child(port) {
  setup();
  const k = ++childCount;
  const name = `ratsaal-${process.pid}-${k}`;
  const outer = `c${k}a`;
  const inner = `c${k}b`;
  const gw = `10.78.${k}.1`;
  const ip = `10.78.${k}.2`;
  sh('ip', ['netns', 'add', name]);
  const c = { name, ip, gw, outer, inner, proxy: null, wrapper: null };
  children.add(c);
  sh('ip', ['link', 'add', outer, 'type', 'veth', 'peer', 'name', inner]);
  sh('ip', ['link', 'set', inner, 'netns', name]);
  sh('ip', ['addr', 'add', `${gw}/24`, 'dev', outer]);
  sh('ip', ['link', 'set', outer, 'up']);
  // answers to the child must come from the server's public_ip: the media socket is bound to the
  // wildcard address, and the kernel would otherwise pick the link's own address (10.78.N.1), which
  // ICE rightly ignores as a response from somewhere else
  const route = () => sh('ip', ['route', 'replace', `10.78.${k}.0/24`, 'dev', outer, 'src', HOST_IP]);
  route();
  sh('ip', ['link', 'set', 'lo', 'up'], { ns: name });
  sh('ip', ['addr', 'add', `${ip}/24`, 'dev', inner], { ns: name });
  sh('ip', ['link', 'set', inner, 'up'], { ns: name });
  sh('ip', ['route', 'add', 'default', 'via', gw], { ns: name });

  // the page's 127.0.0.1:port inside the child reaches the server through the veth
  c.proxy = spawn('ip', ['netns', 'exec', name, process.execPath, path.join(__dirname, 'tcp_proxy.js'),
    String(port), HOST_IP, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('tcp proxy in the child namespace did not start')), 5000);
    c.proxy.stdout.once('data', () => { clearTimeout(t); resolve(); });
    c.proxy.once('exit', (code) => { clearTimeout(t); reject(new Error(`tcp proxy exited ${code}`)); });
  });

  // the browser runs in the child namespace through a wrapper (Playwright talks to it over pipes)
  c.wrapper = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ratsaal-netns-')), 'chromium');
  const chromium = fs.existsSync('/usr/lib/chromium/chromium') ? '/usr/lib/chromium/chromium' : '/usr/bin/chromium';
  fs.writeFileSync(c.wrapper, `#!/bin/sh\nexec ip netns exec ${name} ${chromium} "$@"\n`, { mode: 0o755 });
  c.launchArgs = { executablePath: c.wrapper, loopback: false };

  c.run = (cmd, args) => sh(cmd, args, { ns: name });
  c.down = () => sh('ip', ['link', 'set', outer, 'down']);
  c.up = () => { sh('ip', ['link', 'set', outer, 'up']); route(); }; // a link going down takes its routes
  c.netem = (spec) => sh('tc', ['qdisc', 'replace', 'dev', outer, 'root', 'netem', ...spec.split(' ')]);
  c.netemUp = (spec) => sh('tc', ['qdisc', 'replace', 'dev', inner, 'root', 'netem', ...spec.split(' ')], { ns: name });
  c.clearNetem = () => {
    try { sh('tc', ['qdisc', 'del', 'dev', outer, 'root']); } catch { /* none set */ }
    try { sh('tc', ['qdisc', 'del', 'dev', inner, 'root'], { ns: name }); } catch { /* none set */ }
  };
  let table = null;
  c.nft = () => { table = table || nftTable(name); return table; };
  c.destroy = () => destroyChild(c);
  return c;
}

function destroyChild(c) {
  if (!children.delete(c)) return;
  if (c.proxy && c.proxy.exitCode === null) c.proxy.kill('SIGKILL');
  try { execFileSync('ip', ['netns', 'pids', c.name], { encoding: 'utf8' }).split('\n').filter(Boolean)
    .forEach((pid) => { try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ } }); } catch { /* gone */ }
  try { execFileSync('ip', ['netns', 'del', c.name], { stdio: 'ignore' }); } catch { /* gone */ }
  if (c.wrapper) fs.rmSync(path.dirname(c.wrapper), { recursive: true, force: true });
}

/** Removes the child namespaces (the test namespace itself ends with the process). */
function cleanup() {
  for (const c of [...children]) destroyChild(c);
}

module.exports = { HOST_IP, PEER_IP, sh, inFreshNamespace, setup, serverOptions, dropUdp, nft, child, cleanup };
