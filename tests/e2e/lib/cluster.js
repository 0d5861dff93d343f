// SPDX-License-Identifier: EUPL-1.2
'use strict';
// A cluster for browser tests (docs/cluster.md, docs/operations.md "Cluster"): a throwaway
// redis-server (scripts/redis-test.sh) and PostgreSQL (scripts/pg-test.sh), several
// `ratsaal serve` nodes started by the harness (h.startServer, so RATSAAL_BIN's sanitizer build
// runs them too) and nginx in front (scripts/lb-test.sh): pages are loaded from the load
// balancer's URL, each node's cluster_public_url is LB/n/<id>, media goes straight to each
// node's UDP port. Everything started here is stopped by stop(), also after a failure.

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./harness.js');

const ROOT = path.resolve(__dirname, '../../..');
const script = (name) => path.join(ROOT, 'scripts', name);

/** Why a cluster cannot run here (a missing binary, which scripts/deps.sh installs), or null. */
function missingTools() {
  const need = [['redis-server', 'redis-server'], ['redis-cli', 'redis-tools'], ['nginx', 'nginx-light']];
  for (const [bin, pkg] of need) {
    const r = spawnSync('sh', ['-c', `command -v ${bin} || test -x /usr/sbin/${bin}`], { encoding: 'utf8' });
    if (r.status !== 0) return `${bin} is not installed (apt-get install ${pkg}; scripts/deps.sh)`;
  }
  const pg = fs.existsSync('/usr/lib/postgresql') && fs.readdirSync('/usr/lib/postgresql').some((v) => fs.existsSync(`/usr/lib/postgresql/${v}/bin/postgres`));
  if (!pg && !process.env.PG_BIN) return 'PostgreSQL\'s server is not installed (apt-get install postgresql; scripts/deps.sh)';
  return null;
}

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60000, env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  return r.stdout.trim();
}

/**
 * Starts Redis, PostgreSQL, nodes `ids` and the load balancer. `pool`: the ids in the load
 * balancer's default pool (all when absent). TTLs of 2 s keep failover short. `config`: more
 * lines of every node's configuration (a cluster_secret for the cascade, say). Returns
 * {lb, nodes: {id: server handle}, redis(args...) → string, owner(room), load(id), hold(id,
 * room) → child, kill(id), stop()}.
 */
async function startCluster({ ids = ['a', 'b', 'c'], pool, ttlMs = 2000, config = [] } = {}) {
  const dir = fs.mkdtempSync('/tmp/ratsaal-e2e-cluster-');
  fs.chmodSync(dir, 0o755); // PostgreSQL runs as its own user when the tests run as root
  const c = { dir, nodes: {}, children: [], lb: null, started: { redis: false, pg: false, lb: false } };
  c.stop = async () => {
    for (const ch of c.children) if (ch.exitCode === null) ch.kill('SIGKILL');
    const errs = [];
    for (const [id, s] of Object.entries(c.nodes)) {
      if (s.killed) { fs.rmSync(s.dataDir, { recursive: true, force: true }); continue; }
      try { await s.stop(); } catch (e) { errs.push(`node ${id}: ${e.message}`); }
    }
    if (c.started.lb) spawnSync(script('lb-test.sh'), ['stop', path.join(dir, 'lb')]);
    if (c.started.redis) spawnSync(script('redis-test.sh'), ['stop', path.join(dir, 'redis')]);
    if (c.started.pg) spawnSync(script('pg-test.sh'), ['stop', path.join(dir, 'pg')]);
    fs.rmSync(dir, { recursive: true, force: true });
    if (errs.length) throw new Error(errs.join('\n'));
  };
  try {
    const redisUrl = run(script('redis-test.sh'), ['start', path.join(dir, 'redis')]);
    c.started.redis = true;
    const pgUri = run(script('pg-test.sh'), ['start', path.join(dir, 'pg')]);
    c.started.pg = true;
    const lbPort = await h.freeTcpPort();
    c.lb = `http://127.0.0.1:${lbPort}`;
    // recordings_dir and live_dir: one directory for every node (docs/cluster.md "Shared directories")
    for (const d of ['recordings', 'live']) fs.mkdirSync(path.join(dir, 'shared', d), { recursive: true });
    for (const id of ids) {
      c.nodes[id] = await h.startServer({
        config: [
          `public_url = ${c.lb}`,
          'trusted_proxies = 127.0.0.1',
          'media_workers = 1',
          `recordings_dir = ${path.join(dir, 'shared', 'recordings')}`,
          `live_dir = ${path.join(dir, 'shared', 'live')}`,
          `store = ${pgUri}`,
          `cluster_redis = ${redisUrl}`,
          `cluster_node_id = ${id}`,
          `cluster_public_url = ${c.lb}/n/${id}`,
          `cluster_node_ttl_ms = ${ttlMs}`,
          `cluster_lease_ttl_ms = ${ttlMs}`,
          ...config,
          '',
        ].join('\n'),
      });
    }
    const args = ['start', path.join(dir, 'lb')];
    if (pool) args.push('--pool', pool.join(','));
    for (const id of ids) args.push(`${id}=127.0.0.1:${c.nodes[id].port}`);
    run(script('lb-test.sh'), args, { LB_PORT: String(lbPort) });
    c.started.lb = true;
  } catch (e) {
    await c.stop().catch(() => {});
    throw e;
  }
  const sock = path.join(dir, 'redis', 'redis.sock');
  c.redis = (...a) => run('redis-cli', ['-s', sock, ...a]);
  c.owner = (room) => c.redis('GET', `ratsaal:room:${room}:owner`);
  c.load = (id) => Number(c.redis('HGET', `ratsaal:node:${id}`, 'participants') || 0);
  c.alive = (id) => c.redis('EXISTS', `ratsaal:node:${id}`) === '1';
  /** A participant without a browser (tests/ops/cluster_join.js) in `room` on node `id`. */
  c.hold = (id, room) => {
    const ch = spawn(process.execPath, [path.join(ROOT, 'tests/ops/cluster_join.js'), `${c.lb}/n/${id}`, room, '600'], { stdio: 'ignore' });
    c.children.push(ch);
    return ch;
  };
  c.kill = (id) => {
    c.nodes[id].killed = true;
    c.nodes[id].proc.kill('SIGKILL');
  };
  c.metric = async (id, name) => {
    const text = await (await fetch(`${c.nodes[id].url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line ? Number(line.split(' ')[1]) : 0;
  };
  // every node ready, reached through its pinned route
  await h.waitUntil(async () => {
    for (const id of ids) {
      const r = await fetch(`${c.lb}/n/${id}/readyz`).catch(() => null);
      if (!r || r.status !== 200) return false;
    }
    return true;
  }, { timeout: 20000, interval: 200, message: 'every node ready through the load balancer' });
  return c;
}

module.exports = { missingTools, startCluster };
