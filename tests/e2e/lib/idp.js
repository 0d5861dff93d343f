// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Identity providers and helpers for the identity end-to-end tests.
//
// - startOidcProvider(): a real, certified OpenID provider (npm `oidc-provider` 8.x) on
//   127.0.0.1 with a small config of ours: one confidential client `ratsaal`
//   (client_secret_basic, PKCE S256 required), an in-memory user table, the provider's own
//   dev login/consent pages (headless Chromium fills them in), short TTLs.
// - startFakeIdp(): a hand-rolled provider (node:http) serving discovery, JWKS, an
//   authorization endpoint that answers at once with a code, and a token endpoint that returns
//   an ID token the test crafts (valid, tampered, alg=none, HS256 with the public key, wrong
//   iss/aud/nonce, expired, ...). It records every authorization request (state, nonce, PKCE).
// - startRatsaal(): bin/ratsaal with a config file of ours and local accounts created with
//   `ratsaal user add` before it starts (harness.startServer cannot do either).
// - request()/CookieJar: node:http with manual redirects, a cookie jar, an optional source
//   address (127.0.0.x) to act as another client address.
// - authRejections(), storeSnapshot(): /metrics counters and an SQLite snapshot of the store.
//
// The issuer must be known before the server starts (it is in the server's config) and the
// server's URL before the provider starts (redirect_uris): reserve both ports first
// (harness.freeTcpPort) and pass them in.

const { spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const assert = require('node:assert/strict');
const h = require('./harness.js');

const BIN = process.env.RATSAAL_BIN || path.join(h.ROOT, 'bin/ratsaal');
const CLIENT_ID = 'ratsaal';
const CLIENT_SECRET = 'e2e-client-secret-that-is-long-enough-0123456789';

/** The in-memory user table both providers serve. */
const USERS = {
  erika: { name: 'Erika Mustermann', email: 'erika@stadt-a.example', groups: ['ratsaal-moderators'], tenant: 'stadt-a' },
  max: { name: 'Max Muster', email: 'max@stadt-a.example', groups: ['staff'], tenant: 'stadt-a' },
  anna: { name: 'Anna Admin', email: 'anna@stadt-a.example', groups: ['ratsaal-admins'], tenant: 'stadt-a' },
  otto: { name: 'Otto Normal', email: 'otto@stadt-b.example', groups: [], tenant: 'stadt-b' },
  nomad: { name: 'Nomad Without Tenant', email: 'nomad@example.org', groups: [] }, // no tenant claim
};

const b64u = (buf) => Buffer.from(buf).toString('base64url');
const b64uJson = (obj) => b64u(JSON.stringify(obj));

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
}

function closeServer(server) {
  return new Promise((resolve) => {
    server.close(() => resolve());
    if (server.closeAllConnections) server.closeAllConnections();
  });
}

// ───────────────────────── the real provider (oidc-provider) ─────────────────────────

/**
 * @param {{port: number, serverUrl: string, users?: object}} o
 * @returns {Promise<{issuer, port, clientId, clientSecret, provider, stop()}>}
 */
async function startOidcProvider({ port, serverUrl, users = USERS }) {
  const { default: Provider } = await import('oidc-provider');
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'e2e-rsa-1', use: 'sig', alg: 'RS256' };
  const config = {
    clients: [{
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: [`${serverUrl}/auth/oidc/callback`],
      post_logout_redirect_uris: [`${serverUrl}/`],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    }],
    pkce: { required: () => true, methods: ['S256'] },
    async findAccount(ctx, id) {
      const u = users[id];
      if (!u) return undefined;
      return {
        accountId: id,
        async claims() {
          const c = { sub: id, name: u.name, email: u.email, email_verified: true, groups: u.groups };
          if (u.tenant) c.tenant = u.tenant;
          return c;
        },
      };
    },
    // The server asks for "openid profile email": groups and tenant ride on `profile`.
    claims: {
      openid: ['sub'],
      profile: ['name', 'groups', 'tenant'],
      email: ['email', 'email_verified'],
    },
    conformIdTokenClaims: false, // scope claims in the ID token, not only at userinfo
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        // our own page: the default one loads web fonts from the internet
        async logoutSource(ctx, form) {
          ctx.body = `<!doctype html><html><head><meta charset="utf-8"><title>Logout</title></head><body>
            <h1>Sign out from ${ctx.host}?</h1>${form}
            <button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
            <button type="submit" form="op.logoutForm">No, stay signed in</button></body></html>`;
        },
      },
    },
    jwks: { keys: [jwk] },
    cookies: { keys: ['e2e-cookie-key-0123456789abcdef'] },
    ttl: {
      AuthorizationCode: 60, IdToken: 300, AccessToken: 300, Interaction: 300,
      Session: 600, Grant: 600,
    },
    renderError(ctx, out, err) {
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>oidc error</title><pre id="oidc-error">${JSON.stringify(out)}</pre>`;
    },
  };
  const provider = new Provider(issuer, config);
  const errors = [];
  provider.on('server_error', (ctx, err) => errors.push(String(err && err.stack)));
  const server = http.createServer(provider.callback());
  await listen(server, port);
  return {
    issuer, port, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, provider, errors,
    stop: () => closeServer(server),
  };
}

/**
 * In a Playwright page that the server sent to the provider: sign in through the provider's
 * own login form (any password; the account must exist) and confirm its consent page.
 * Returns once the browser has left the provider (the server's callback answered).
 */
async function providerLogin(page, idp, login, { timeout = 10000 } = {}) {
  await page.waitForURL((u) => u.toString().startsWith(`${idp.issuer}/interaction/`), { timeout });
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any-password');
  await page.locator('button[type="submit"]').click();
  // consent ("Continue"), shown the first time a client asks for scopes: click it once per
  // interaction page, until the browser has left the provider
  const left = () => !page.url().startsWith(idp.issuer);
  const clicked = new Set();
  const end = Date.now() + timeout;
  while (!left()) {
    if (Date.now() > end) throw new Error(`still at the provider after ${timeout} ms: ${page.url()}`);
    const url = page.url();
    if (!clicked.has(url) && await page.locator('input[name="prompt"][value="consent"]').count().catch(() => 0)) {
      clicked.add(url);
      await page.locator('button[type="submit"]').click();
    }
    await h.sleep(50);
  }
}

// ───────────────────────── the fake provider ─────────────────────────

function rsaKey(kid) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
  return { kid, privateKey, publicKey, jwk, publicPem: publicKey.export({ format: 'pem', type: 'spki' }) };
}

/** Compact JWS. alg RS256 (key: KeyObject), HS256 (key: secret), none. */
function signJwt(header, payload, key) {
  const input = `${b64uJson(header)}.${b64uJson(payload)}`;
  let sig = '';
  if (header.alg === 'RS256') sig = b64u(crypto.sign('sha256', Buffer.from(input), key));
  else if (header.alg === 'HS256') sig = b64u(crypto.createHmac('sha256', key).update(input).digest());
  else if (header.alg !== 'none') throw new Error(`signJwt: unsupported alg ${header.alg}`);
  return `${input}.${sig}`;
}

/**
 * A hand-rolled provider whose token endpoint returns what the test asks for.
 * idp.mint = (ctx) => idToken; ctx = {auth: {state, nonce, ...}, claims (valid defaults),
 * key (current signing key), sign(header, payload, key)}. Default: a valid RS256 token for
 * idp.user (default 'erika').
 */
async function startFakeIdp({ port, clientId = CLIENT_ID, clientSecret = CLIENT_SECRET, users = USERS }) {
  const issuer = `http://127.0.0.1:${port}`;
  const idp = {
    issuer, port, clientId, clientSecret,
    keys: [rsaKey('fake-1')], // published in the JWKS; keys[0] signs (publishKey/signWith rotate)
    authorizations: [], // every /authorize request, newest last
    tokenRequests: [], // every /token request (after checks), newest last
    tokenErrors: [], // why /token refused
    user: 'erika',
    mint: null,
    discoveryFetches: 0,
    jwksFetches: 0,
    codes: new Map(),
    /** Publish a new key in the JWKS (it does not sign yet): the first step of a rotation. */
    publishKey() {
      const k = rsaKey(`fake-${this.keys.length + 1}-${crypto.randomBytes(3).toString('hex')}`);
      this.keys = [...this.keys, k];
      return k;
    },
    /** Sign with the published key `kid` from now on; drop: withdraw the others from the JWKS. */
    signWith(kid, { drop = false } = {}) {
      const k = this.keys.find((x) => x.kid === kid);
      if (!k) throw new Error(`no published key ${kid}`);
      this.keys = drop ? [k] : [k, ...this.keys.filter((x) => x !== k)];
      return k;
    },
    validClaims(auth, user = this.user) {
      const u = users[user];
      const now = Math.floor(Date.now() / 1000);
      const c = { iss: issuer, aud: clientId, sub: `fake-${user}`, iat: now, exp: now + 300, nonce: auth.nonce, name: u.name, email: u.email, groups: u.groups };
      if (u.tenant) c.tenant = u.tenant;
      return c;
    },
    sign: signJwt,
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url, issuer);
    const send = (status, obj, headers = {}) => {
      const body = typeof obj === 'string' ? obj : JSON.stringify(obj);
      res.writeHead(status, { 'content-type': typeof obj === 'string' ? 'text/plain' : 'application/json', 'cache-control': 'no-store', ...headers });
      res.end(body);
    };
    if (req.method === 'GET' && url.pathname === '/.well-known/openid-configuration') {
      idp.discoveryFetches++;
      return send(200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        end_session_endpoint: `${issuer}/logout`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
      });
    }
    if (req.method === 'GET' && url.pathname === '/jwks') {
      idp.jwksFetches++;
      return send(200, { keys: idp.keys.map((k) => k.jwk) });
    }
    if (req.method === 'GET' && url.pathname === '/authorize') {
      const q = Object.fromEntries(url.searchParams);
      idp.authorizations.push(q);
      if (q.client_id !== clientId || q.response_type !== 'code' || q.code_challenge_method !== 'S256' || !q.code_challenge || !q.state || !q.nonce) {
        return send(400, { error: 'invalid_request', got: q });
      }
      const code = b64u(crypto.randomBytes(18));
      idp.codes.set(code, q);
      const to = new URL(q.redirect_uri);
      to.searchParams.set('code', code);
      to.searchParams.set('state', q.state);
      res.writeHead(302, { location: to.toString() });
      return res.end();
    }
    if (req.method === 'POST' && url.pathname === '/token') {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => {
        const f = Object.fromEntries(new URLSearchParams(body));
        const fail = (why) => { idp.tokenErrors.push(why); send(400, { error: 'invalid_grant', error_description: why }); };
        const authz = req.headers.authorization || '';
        const [user, pass] = Buffer.from(authz.replace(/^Basic /, ''), 'base64').toString().split(':').map(decodeURIComponent);
        if (user !== clientId || pass !== clientSecret) return fail('client authentication');
        const auth = idp.codes.get(f.code);
        if (!auth) return fail('unknown or used code');
        idp.codes.delete(f.code);
        if (f.grant_type !== 'authorization_code') return fail('grant_type');
        if (f.redirect_uri !== auth.redirect_uri) return fail('redirect_uri');
        const challenge = b64u(crypto.createHash('sha256').update(f.code_verifier || '').digest());
        if (challenge !== auth.code_challenge) return fail('PKCE');
        idp.tokenRequests.push({ form: f, auth });
        const ctx = { auth, claims: idp.validClaims(auth), key: idp.keys[0], sign: signJwt, idp };
        const idToken = idp.mint ? idp.mint(ctx) : signJwt({ alg: 'RS256', typ: 'JWT', kid: ctx.key.kid }, ctx.claims, ctx.key.privateKey);
        return send(200, { access_token: b64u(crypto.randomBytes(16)), token_type: 'Bearer', expires_in: 300, id_token: idToken });
      });
      return undefined;
    }
    if (url.pathname === '/logout') return send(200, 'logged out');
    return send(404, { error: 'not_found' });
  });
  await listen(server, port);
  idp.stop = () => closeServer(server);
  return idp;
}

// ───────────────────────── HTTP with a cookie jar ─────────────────────────

class CookieJar {
  constructor() { this.cookies = new Map(); }
  header() { return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '); }
  get(name) { return this.cookies.get(name); }
  take(setCookie) {
    for (const line of [].concat(setCookie || [])) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const maxAge = attrs.find((a) => /^max-age=/i.test(a));
      const expires = attrs.find((a) => /^expires=/i.test(a));
      const gone = value === '' || (maxAge && Number(maxAge.split('=')[1]) <= 0) ||
        (expires && Date.parse(expires.slice(8)) < Date.now());
      if (gone) this.cookies.delete(name); else this.cookies.set(name, value);
    }
  }
}

/** "name=value" for a Cookie header from Playwright's context.cookies(). */
function cookieFrom(cookies, name) {
  const c = cookies.find((x) => x.name === name);
  return c ? `${c.name}=${c.value}` : '';
}

/**
 * One HTTP request, redirects not followed. body: object → JSON (content-type set unless
 * given), string → as is. Returns {status, headers, text, json, location}.
 */
function request(url, { method = 'GET', headers = {}, body, jar, localAddress, timeout = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const hdrs = { ...headers };
    let payload;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      if (typeof body !== 'string' && !Object.keys(hdrs).some((k) => k.toLowerCase() === 'content-type')) hdrs['content-type'] = 'application/json';
      hdrs['content-length'] = Buffer.byteLength(payload);
    } else if (method !== 'GET' && method !== 'HEAD') {
      hdrs['content-length'] = 0;
    }
    if (jar && jar.cookies.size) hdrs.cookie = jar.header();
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers: hdrs, localAddress }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        if (jar) jar.take(res.headers['set-cookie']);
        let json = null;
        try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, text, json, location: res.headers.location || null });
      });
    });
    req.setTimeout(timeout, () => req.destroy(new Error(`${method} ${url}: no answer within ${timeout} ms`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/**
 * The OIDC login as a browser would do it, without a browser: server /auth/oidc/login →
 * provider /authorize (the fake answers at once) → server /auth/oidc/callback. Returns
 * {auth (the authorization request's query: state, nonce, ...), callbackUrl, final (the
 * callback's response)}. With {stopAt: 'callback'} the callback is not called.
 */
async function oidcLogin(serverUrl, jar, { ret, stopAt, localAddress } = {}) {
  const start = await request(`${serverUrl}/auth/oidc/login${ret !== undefined ? `?return=${encodeURIComponent(ret)}` : ''}`, { jar, localAddress });
  if (start.status !== 302) return { start };
  const authUrl = new URL(start.location);
  const auth = Object.fromEntries(authUrl.searchParams);
  const atIdp = await request(start.location, { jar: null });
  assert.equal(atIdp.status, 302, `provider /authorize: ${atIdp.status} ${atIdp.text}`);
  const callbackUrl = atIdp.location;
  if (stopAt === 'callback') return { start, auth, callbackUrl };
  const final = await request(callbackUrl, { jar, localAddress });
  return { start, auth, callbackUrl, final };
}

// ───────────────────────── signaling ─────────────────────────

/**
 * A signaling client (ws) that records every event. o.cookie: Cookie header (a session);
 * o.localAddress: the source address (127.0.0.x) to act as another client.
 */
function wsClient(serverUrl, { cookie, localAddress } = {}) {
  const WebSocket = require(path.join(h.ROOT, 'node_modules/ws'));
  const headers = cookie ? { cookie } : {};
  const ws = new WebSocket(`${serverUrl.replace(/^http/, 'ws')}/signaling`, { headers, localAddress });
  const events = [];
  const waiters = [];
  ws.on('message', (data) => {
    const ev = JSON.parse(data.toString());
    events.push(ev);
    for (const w of [...waiters]) {
      if (w.pred(ev)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(ev); }
    }
  });
  const closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const opened = new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  return {
    ws, events, closed, opened,
    send(obj) { ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj)); },
    /** The first recorded-or-future event matching pred (consumed). */
    next(pred, timeout = 4000, what = 'event') {
      const found = events.find(pred);
      if (found) { events.splice(events.indexOf(found), 1); return Promise.resolve(found); }
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (ev) => { clearTimeout(w.timer); events.splice(events.indexOf(ev), 1); resolve(ev); } };
        w.timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`timeout after ${timeout} ms waiting for ${what}; last events ${JSON.stringify(events.slice(-5))}`));
        }, timeout);
        waiters.push(w);
      });
    },
    /** Send and wait for the answer: the first event with the given ref. */
    async request(obj, timeout = 4000) {
      const ref = `r${Math.random().toString(36).slice(2, 10)}`;
      this.send({ ...obj, ref });
      return this.next((e) => e.ref === ref, timeout, `reply to ${JSON.stringify(obj).slice(0, 80)}`);
    },
    close() { try { ws.close(); } catch { /* closed */ } return closed; },
  };
}

// ───────────────────────── the server with a config of ours ─────────────────────────

function confText(config) {
  // an array is a key that may repeat (ice_server, rtmp_target): one line per value
  return Object.entries(config).filter(([, v]) => v !== undefined && v !== null)
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${k} = ${x}`)).join('\n') + '\n';
}

/**
 * Start bin/ratsaal with `config` (key → value, written to a file passed with --config),
 * local accounts created first with `ratsaal user add` (password on stdin), on `port`
 * (reserve it first when the provider needs the server's URL), `env` added to the server's
 * environment (e.g. a fake recorder's mode). Returns a handle like
 * harness.startServer's, plus dbPath, db(sql), configPath.
 */
async function startRatsaal({ port, config = {}, users = [], dataDir, keepData = false, timeout = 15000, env = {} } = {}) {
  port = port || await h.freeTcpPort();
  const udpPort = await h.freeUdpPort();
  dataDir = dataDir || fs.mkdtempSync(path.join(os.tmpdir(), 'ratsaal-e2e-id-'));
  for (const u of users) {
    const args = ['user', 'add', u.name, '--role', u.role || 'user', '--data', dataDir];
    if (u.tenant) args.push('--tenant', u.tenant);
    if (u.displayName) args.push('--display-name', u.displayName);
    if (u.email) args.push('--email', u.email);
    const r = spawnSync(BIN, args, { input: `${u.password}\n`, encoding: 'utf8', timeout: 20000, cwd: h.ROOT });
    if (r.status !== 0) throw new Error(`ratsaal ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  }
  const configPath = path.join(dataDir, 'e2e.conf');
  fs.writeFileSync(configPath, confText(config));
  const args = ['serve', '--config', configPath, '--listen', `127.0.0.1:${port}`, '--data', dataDir,
    '--udp-port', String(udpPort), '--web', h.WEB];
  const proc = spawn(BIN, args, { cwd: h.ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const url = `http://127.0.0.1:${port}`;
  const dbPath = path.join(dataDir, 'ratsaal.db');
  const handle = {
    url, port, udpPort, dataDir, dbPath, configPath, proc, output: () => out,
    db: (sql) => sqlite(dbPath, sql),
    async stop({ timeout: stopTimeout = 10000 } = {}) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      // a timer left running would keep the test's process alive for stopTimeout after the end
      let timer;
      const res = await Promise.race([exited, new Promise((resolve) => { timer = setTimeout(() => resolve(null), stopTimeout); })]);
      clearTimeout(timer);
      if (!keepData) fs.rmSync(dataDir, { recursive: true, force: true });
      if (!res) {
        proc.kill('SIGKILL');
        throw new Error(`server did not exit within ${stopTimeout} ms after SIGTERM\n${out.slice(-4000)}`);
      }
      assert.equal(res.code, 0, `server exit code ${res.code} signal ${res.signal}\n${out.slice(-4000)}`);
      return res.code;
    },
  };
  try {
    await h.waitHealthz(url, timeout, proc);
  } catch (e) {
    proc.kill('SIGKILL');
    throw new Error(`${e.message}\nserver output:\n${out.slice(-4000)}`);
  }
  return handle;
}

/** Run SQL with the sqlite3 CLI; returns parsed rows (-json) for queries. */
function sqlite(dbPath, sql) {
  const r = spawnSync('sqlite3', ['-json', '-cmd', '.timeout 3000', dbPath, sql], { encoding: 'utf8', timeout: 10000 });
  if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr}`);
  const t = r.stdout.trim();
  return t ? JSON.parse(t) : [];
}

/**
 * What a refused request must not change: row counts of every identity table and the
 * mutable columns of users, rooms, grants and invites (sessions by count and ids only: their
 * last_seen_ms moves with every authenticated request).
 */
function storeSnapshot(server) {
  const q = (sql) => JSON.stringify(server.db(sql));
  return {
    counts: server.db(`SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM sessions) AS sessions,
      (SELECT count(*) FROM rooms) AS rooms, (SELECT count(*) FROM invites) AS invites, (SELECT count(*) FROM grants) AS grants`)[0],
    users: q('SELECT id, username, oidc_sub, display_name, email, role, tenant, disabled, password_hash FROM users ORDER BY id'),
    sessions: q('SELECT hex(id_hash) AS id, user_id, auth FROM sessions ORDER BY id_hash'),
    rooms: q('SELECT id, title, owner_id, tenant, lobby, password_hash, managed, scheduled_start_ms, scheduled_end_ms FROM rooms ORDER BY id'),
    grants: q('SELECT room_id, user_id, role FROM grants ORDER BY room_id, user_id'),
    invites: q('SELECT id, room_id, role, expires_at_ms, revoked_at_ms, uses FROM invites ORDER BY id'),
  };
}

/** ratsaal_auth_rejections_total by reason, from /metrics. */
async function authRejections(serverUrl) {
  const r = await request(`${serverUrl}/metrics`);
  assert.equal(r.status, 200, `/metrics: ${r.status}`);
  const out = {};
  for (const m of r.text.matchAll(/^ratsaal_auth_rejections_total\{reason="([a-z_]+)"\} (\d+)$/gm)) out[m[1]] = Number(m[2]);
  return out;
}

module.exports = {
  USERS, CLIENT_ID, CLIENT_SECRET,
  startOidcProvider, providerLogin, startFakeIdp, signJwt, rsaKey,
  CookieJar, request, oidcLogin, cookieFrom, wsClient,
  startRatsaal, sqlite, storeSnapshot, authRejections, confText,
};
