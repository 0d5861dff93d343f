// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Identity negative tests against the real binary, no browser: Node HTTP with manual
// redirects and a cookie jar, `ws` for signaling, a hand-rolled OpenID provider whose token
// endpoint returns the ID token each case crafts (lib/idp.js startFakeIdp).
//
// Every refused request must: get the documented status / error code, raise
// ratsaal_auth_rejections_total{reason=...} by exactly one (and no other reason), and leave the
// store unchanged (users, sessions, rooms, grants, invites read with the sqlite3 CLI).
// Rate limits run on a second server with small limits, and show that they are per address
// (a second loopback source address, 127.0.0.2, is still let in).

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness.js');
const idp = require('./lib/idp.js');

const stopWatchdog = h.watchdog(110000);

let fake;
let srv;
const ctx = {}; // shared state: sessions, meetings, invites

const b64uJson = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const rs256 = (c, claims, header = {}) => c.sign({ alg: 'RS256', typ: 'JWT', kid: c.key.kid, ...header }, claims, c.key.privateKey);

before(async () => {
  const serverPort = await h.freeTcpPort();
  const idpPort = await h.freeTcpPort();
  const serverUrl = `http://127.0.0.1:${serverPort}`;
  fake = await idp.startFakeIdp({ port: idpPort });
  ctx.nextKey = fake.publishKey(); // published from the start, signs only after the rotation
  srv = await idp.startRatsaal({
    port: serverPort,
    config: {
      public_url: serverUrl,
      oidc_issuer: fake.issuer,
      oidc_client_id: fake.clientId,
      oidc_client_secret: fake.clientSecret,
      oidc_groups_claim: 'groups',
      oidc_moderator_group: 'ratsaal-moderators',
      oidc_admin_group: 'ratsaal-admins',
      oidc_tenant_claim: 'tenant',
      anonymous_meetings: 'off',
      login_rate_per_min: 10000, // the limits have their own server below
      join_rate_per_min: 10000,
    },
  });
});

after(async () => {
  for (const c of ctx.clients || []) c.close();
  if (srv) await srv.stop();
  if (fake) await fake.stop();
  stopWatchdog();
});

/**
 * Run fn (which asserts the refusal); then the reason's counter rose by exactly one, every
 * other reason stayed, and the store is as before.
 */
async function rejectedOnce(reason, fn, { server = srv } = {}) {
  const m0 = await idp.authRejections(server.url);
  const s0 = idp.storeSnapshot(server);
  const out = await fn();
  const m1 = await idp.authRejections(server.url);
  assert.ok(reason in m1, `no counter for reason ${reason}: ${JSON.stringify(m1)}`);
  for (const k of Object.keys(m1)) {
    assert.equal(m1[k] - (m0[k] || 0), k === reason ? 1 : 0, `ratsaal_auth_rejections_total{reason="${k}"} (expected +1 on ${reason} only)`);
  }
  assert.deepEqual(idp.storeSnapshot(server), s0, 'store unchanged');
  return out;
}

/** A full OIDC login as `user` through the fake provider; returns {jar, me}. */
async function loginAs(user, { ret = '/meetings' } = {}) {
  const jar = new idp.CookieJar();
  fake.user = user;
  fake.mint = null;
  const { final } = await idp.oidcLogin(srv.url, jar, { ret });
  assert.equal(final.status, 302, final.text);
  assert.equal(final.location, ret, `login as ${user} failed: ${final.location}`);
  const me = await idp.request(`${srv.url}/api/v1/me`, { jar });
  assert.equal(me.status, 200);
  return { jar, me: me.json.user };
}

/** A REST call; state-changing ones send Content-Type: application/json unless headers are given. */
const api = (jar, method, path, body, headers) => idp.request(`${srv.url}${path}`, {
  method, jar, body, headers: headers || (method === 'GET' ? {} : { 'content-type': 'application/json' }),
});

function client(who, opts = {}) {
  const c = idp.wsClient(srv.url, { cookie: who && who.jar ? who.jar.header() : undefined, ...opts });
  (ctx.clients = ctx.clients || []).push(c);
  return c;
}

test('setup: OIDC login through the fake provider (PKCE S256, state, nonce, client_secret_basic), meetings and invites', async () => {
  ctx.erika = await loginAs('erika');
  assert.equal(ctx.erika.me.role, 'moderator');
  assert.equal(ctx.erika.me.tenant, 'stadt-a');
  assert.equal(ctx.erika.me.auth, 'oidc');
  ctx.max = await loginAs('max');
  assert.equal(ctx.max.me.role, 'user');
  ctx.otto = await loginAs('otto');
  assert.equal(ctx.otto.me.tenant, 'stadt-b');

  // what the server asked the provider for
  const [a1, a2] = fake.authorizations.slice(-2);
  for (const a of [a1, a2]) {
    assert.equal(a.response_type, 'code');
    assert.equal(a.client_id, 'ratsaal');
    assert.equal(a.redirect_uri, `${srv.url}/auth/oidc/callback`);
    assert.match(a.scope, /\bopenid\b/);
    assert.equal(a.code_challenge_method, 'S256');
    assert.match(a.code_challenge, /^[A-Za-z0-9_-]{43}$/);
    assert.ok(a.state.length >= 22 && a.nonce.length >= 22, 'state and nonce of 128 bits or more');
  }
  assert.notEqual(a1.state, a2.state);
  assert.notEqual(a1.nonce, a2.nonce);
  assert.deepEqual(fake.tokenErrors, [], 'the server authenticated with client_secret_basic and sent the PKCE verifier');

  // session cookie attributes (public URL is http: no Secure, plain name)
  const jar = new idp.CookieJar();
  fake.user = 'erika';
  const { final } = await idp.oidcLogin(srv.url, jar, { ret: '/' });
  const setCookie = [].concat(final.headers['set-cookie'] || []).find((c) => c.startsWith('ratsaal_session='));
  assert.ok(setCookie, 'session cookie');
  assert.match(setCookie, /;\s*HttpOnly/i);
  assert.match(setCookie, /;\s*SameSite=Lax/i);
  assert.match(setCookie, /;\s*Path=\//i);
  assert.doesNotMatch(setCookie, /;\s*Secure/i);

  let r = await api(ctx.erika.jar, 'POST', '/api/v1/meetings', { title: 'Hauptausschuss' });
  assert.equal(r.status, 201, r.text);
  ctx.meeting = r.json;
  assert.equal(ctx.meeting.lobby, true);
  r = await api(ctx.erika.jar, 'POST', '/api/v1/meetings', { title: 'Anderes Treffen' });
  assert.equal(r.status, 201);
  ctx.other = r.json;
  const invite = async (meeting, body = { role: 'guest' }) => {
    const x = await api(ctx.erika.jar, 'POST', `/api/v1/meetings/${meeting.id}/invites`, body);
    assert.equal(x.status, 201, x.text);
    assert.match(x.json.token, /^[A-Za-z0-9_-]{32}$/);
    return x.json;
  };
  ctx.guestInvite = await invite(ctx.meeting);
  ctx.expiredInvite = await invite(ctx.meeting, { role: 'guest', expires_in_s: 60 });
  ctx.revokedInvite = await invite(ctx.meeting);
  ctx.otherInvite = await invite(ctx.other);
  // we cannot wait a minute: move the expiry into the past in the database
  srv.db(`UPDATE invites SET expires_at_ms = ${Date.now() - 1000} WHERE id = '${ctx.expiredInvite.id}'`);
  r = await api(ctx.erika.jar, 'DELETE', `/api/v1/meetings/${ctx.meeting.id}/invites/${ctx.revokedInvite.id}`);
  assert.equal(r.status, 204);
  r = await api(ctx.erika.jar, 'GET', `/api/v1/meetings/${ctx.meeting.id}/invites`);
  const byId = Object.fromEntries(r.json.invites.map((i) => [i.id, i]));
  assert.equal(byId[ctx.revokedInvite.id].revoked, true);
  assert.ok(byId[ctx.expiredInvite.id].expires_at < Date.now());

  // the moderator is in the meeting (sees the lobby)
  ctx.modWs = client(ctx.erika);
  await ctx.modWs.opened;
  const joined = await ctx.modWs.request({ ns: 'control', action: 'join', room: ctx.meeting.id });
  assert.equal(joined.event, 'joined', JSON.stringify(joined));
  assert.deepEqual(joined.lobby, []);
  ctx.modId = joined.id;
});

test('expired invite: join refused with invalid_invite, counted, store unchanged', async () => {
  await rejectedOnce('invalid_invite', async () => {
    const g = client(null);
    await g.opened;
    const ev = await g.request({ ns: 'control', action: 'join', room: ctx.meeting.id, display_name: 'Zu spät', invite: ctx.expiredInvite.token });
    assert.equal(ev.event, 'error');
    assert.equal(ev.code, 'invalid_invite');
  });
});

test('revoked invite: join refused with invalid_invite, counted, store unchanged', async () => {
  await rejectedOnce('invalid_invite', async () => {
    const g = client(null);
    await g.opened;
    const ev = await g.request({ ns: 'control', action: 'join', room: ctx.meeting.id, display_name: 'Widerrufen', invite: ctx.revokedInvite.token });
    assert.equal(ev.code, 'invalid_invite');
  });
});

test('invite of another meeting, and no invite at all: invalid_invite / unauthorized', async () => {
  await rejectedOnce('invalid_invite', async () => {
    const g = client(null);
    await g.opened;
    const ev = await g.request({ ns: 'control', action: 'join', room: ctx.meeting.id, display_name: 'Falsches Treffen', invite: ctx.otherInvite.token });
    assert.equal(ev.code, 'invalid_invite');
  });
  await rejectedOnce('unauthorized', async () => {
    const g = client(null);
    await g.opened;
    const ev = await g.request({ ns: 'control', action: 'join', room: ctx.meeting.id, display_name: 'Ohne Einladung' });
    assert.equal(ev.code, 'unauthorized');
  });
  await rejectedOnce('unauthorized', async () => {
    const r = await api(null, 'GET', `/api/v1/meetings/${ctx.meeting.id}`);
    assert.equal(r.status, 401);
    assert.equal(r.json.error.code, 'unauthorized');
  });
});

// ───────── ID tokens ─────────

const tokenCases = [
  ['tampered (payload changed, signature kept)', (c) => {
    const [hd, , sig] = rs256(c, c.claims).split('.');
    return `${hd}.${b64uJson({ ...c.claims, groups: ['ratsaal-admins'] })}.${sig}`;
  }],
  ['tampered (signature bytes flipped)', (c) => {
    const [hd, pl, sig] = rs256(c, c.claims).split('.');
    const bytes = Buffer.from(sig, 'base64url');
    bytes[10] ^= 0x55;
    return `${hd}.${pl}.${bytes.toString('base64url')}`;
  }],
  ['wrong aud', (c) => rs256(c, { ...c.claims, aud: 'some-other-client' })],
  ['wrong aud (array without us)', (c) => rs256(c, { ...c.claims, aud: ['some-other-client', 'third'] })],
  ['wrong iss', (c) => rs256(c, { ...c.claims, iss: `${fake.issuer}/other-realm` })],
  ['expired', (c) => rs256(c, { ...c.claims, iat: now() - 7200, exp: now() - 3600 })],
  ['not yet valid (nbf in an hour)', (c) => rs256(c, { ...c.claims, nbf: now() + 3600 })],
  ['wrong nonce', (c) => rs256(c, { ...c.claims, nonce: 'not-the-nonce-the-server-sent' })],
  ['alg=none', (c) => c.sign({ alg: 'none', typ: 'JWT' }, c.claims)],
  ['alg=none with the kid', (c) => c.sign({ alg: 'none', typ: 'JWT', kid: c.key.kid }, c.claims)],
  ['HS256 keyed with the public key (PEM)', (c) => c.sign({ alg: 'HS256', typ: 'JWT', kid: c.key.kid }, c.claims, c.key.publicPem)],
  ['HS256 keyed with the public JWK JSON', (c) => c.sign({ alg: 'HS256', typ: 'JWT', kid: c.key.kid }, c.claims, JSON.stringify(c.key.jwk))],
  ['signed by a key the provider never published', (c) => {
    const stranger = idp.rsaKey('stranger');
    return c.sign({ alg: 'RS256', typ: 'JWT', kid: 'stranger' }, c.claims, stranger.privateKey);
  }],
  ['signed by another key under the provider\'s kid', (c) => {
    const stranger = idp.rsaKey(c.key.kid);
    return c.sign({ alg: 'RS256', typ: 'JWT', kid: c.key.kid }, c.claims, stranger.privateKey);
  }],
];

for (const [name, mint] of tokenCases) {
  test(`ID token ${name}: /login?error=invalid_token, no session, counted, store unchanged`, async () => {
    const jar = new idp.CookieJar();
    fake.user = 'erika';
    let used = null;
    fake.mint = (c) => {
      assert.equal(c.claims.nonce, c.auth.nonce, 'the fake provider echoes the nonce the server sent');
      used = mint(c);
      return used;
    };
    const tokenCalls = fake.tokenRequests.length;
    const { final } = await rejectedOnce('invalid_token', () => idp.oidcLogin(srv.url, jar, { ret: '/meetings' }));
    fake.mint = null;
    assert.ok(used, 'the server exchanged the code for the crafted token');
    assert.equal(fake.tokenRequests.length, tokenCalls + 1);
    assert.equal(final.status, 302);
    assert.equal(final.location, '/login?error=invalid_token');
    assert.equal(jar.get('ratsaal_session'), undefined, 'no session cookie');
    assert.equal((await idp.request(`${srv.url}/api/v1/me`, { jar })).status, 401);
  });
}

test('ID token without the tenant claim: /login?error=tenant_missing', async () => {
  const jar = new idp.CookieJar();
  fake.user = 'nomad';
  const { final } = await rejectedOnce('tenant_missing', () => idp.oidcLogin(srv.url, jar));
  fake.user = 'erika';
  assert.equal(final.location, '/login?error=tenant_missing');
  assert.equal(jar.get('ratsaal_session'), undefined);
});

test('key rotation: the provider switches to its pre-published next key and withdraws the old one; logins go on', async () => {
  fake.signWith(ctx.nextKey.kid, { drop: true });
  const who = await loginAs('erika');
  assert.equal(who.me.tenant, 'stadt-a');
  // and a token under the withdrawn key's kid is no longer... still in the cache: the server
  // only learns of the withdrawal at its next fetch. Nothing to assert here without waiting.
});

test('made-up kids cannot make the server flood the provider: at most one JWKS refetch per minute', async () => {
  const fetches = fake.jwksFetches;
  for (let i = 0; i < 3; i++) {
    fake.mint = (c) => {
      const stranger = idp.rsaKey(`made-up-${i}`);
      return c.sign({ alg: 'RS256', typ: 'JWT', kid: stranger.kid }, c.claims, stranger.privateKey);
    };
    const { final } = await rejectedOnce('invalid_token', () => idp.oidcLogin(srv.url, new idp.CookieJar()));
    assert.equal(final.location, '/login?error=invalid_token');
  }
  fake.mint = null;
  assert.ok(fake.jwksFetches - fetches <= 1, `JWKS fetched ${fake.jwksFetches - fetches} times for 3 unknown kids`);
});

test('replayed state: the second callback with the same state is refused (invalid_state) without asking the provider', async () => {
  const jar = new idp.CookieJar();
  fake.user = 'max';
  const { callbackUrl, final } = await idp.oidcLogin(srv.url, jar, { ret: '/meetings' });
  assert.equal(final.location, '/meetings', 'the first callback logs in');
  const tokenCalls = fake.tokenRequests.length;
  const jar2 = new idp.CookieJar();
  const again = await rejectedOnce('invalid_state', () => idp.request(callbackUrl, { jar: jar2 }));
  assert.equal(again.status, 302);
  assert.equal(again.location, '/login?error=invalid_state');
  assert.equal(jar2.get('ratsaal_session'), undefined);
  assert.equal(fake.tokenRequests.length, tokenCalls, 'no second code exchange');
  // a forged state, and none at all
  for (const q of ['?code=abc&state=forged-state-0123456789abcdef', '?code=abc']) {
    const r = await rejectedOnce('invalid_state', () => idp.request(`${srv.url}/auth/oidc/callback${q}`));
    assert.equal(r.location, '/login?error=invalid_state');
  }
});

test('the provider answers with an error: /login?error=idp_error', async () => {
  const { auth } = await idp.oidcLogin(srv.url, new idp.CookieJar(), { stopAt: 'callback' });
  const r = await rejectedOnce('idp_error', () => idp.request(`${srv.url}/auth/oidc/callback?error=access_denied&state=${encodeURIComponent(auth.state)}`));
  assert.equal(r.location, '/login?error=idp_error');
});

test('open redirect in the return URL: counted, and the final redirect after login goes to /', async () => {
  for (const ret of ['//evil.example', 'https://evil.example', '/\\evil.example', 'http:/\\evil.example', '//evil.example/%2F..']) {
    const jar = new idp.CookieJar();
    fake.user = 'erika';
    const m0 = await idp.authRejections(srv.url);
    const start = await idp.request(`${srv.url}/auth/oidc/login?return=${encodeURIComponent(ret)}`, { jar });
    assert.equal(start.status, 302);
    const m1 = await idp.authRejections(srv.url);
    assert.equal(m1.open_redirect - m0.open_redirect, 1, `open_redirect counted for ${ret}`);
    const atIdp = await idp.request(start.location);
    const final = await idp.request(atIdp.location, { jar });
    assert.equal(final.status, 302);
    assert.equal(final.location, '/', `return=${ret} must end at /`);
    assert.ok(jar.get('ratsaal_session'), 'the login itself succeeds');
  }
  // a same-site path is kept
  const jar = new idp.CookieJar();
  const { final } = await idp.oidcLogin(srv.url, jar, { ret: `/r/${ctx.meeting.id}?x=1` });
  assert.equal(final.location, `/r/${ctx.meeting.id}?x=1`);
});

// ───────── roles in the meeting ─────────

test('a guest sends every moderator action: forbidden each time, counted, nothing changes', async () => {
  const mod = ctx.modWs;
  // guest 1 comes in through the lobby
  const g1 = client(null);
  await g1.opened;
  const w1 = await g1.request({ ns: 'control', action: 'join', room: ctx.meeting.id, display_name: 'Gast Eins', invite: ctx.guestInvite.token });
  assert.equal(w1.event, 'waiting', JSON.stringify(w1));
  await mod.next((e) => e.ns === 'lobby' && e.event === 'entered' && e.participant.id === w1.id);

  // a waiting guest may do nothing but leave or ping
  const m0 = await idp.authRejections(srv.url);
  for (const a of [{ ns: 'lobby', action: 'admit_all' }, { ns: 'lobby', action: 'admit', id: w1.id }, { ns: 'moderation', action: 'set_lobby', enabled: false }]) {
    const ev = await g1.request(a);
    assert.equal(ev.code, 'not_joined', `waiting guest: ${JSON.stringify(a)} → ${JSON.stringify(ev)}`);
  }
  assert.deepEqual(await idp.authRejections(srv.url), m0);

  mod.send({ ns: 'lobby', action: 'admit', id: w1.id });
  const joined = await g1.next((e) => e.event === 'joined');
  assert.equal(joined.participants.find((p) => p.id === w1.id).role, 'guest'); // issue 12: a guest invitation makes a guest
  assert.equal(joined.lobby, undefined, 'a guest is not shown the lobby');

  // guest 2 waits: a real target for admit/reject
  const g2 = client(null);
  await g2.opened;
  const w2 = await g2.request({ ns: 'control', action: 'join', room: ctx.meeting.id, display_name: 'Gast Zwei', invite: ctx.guestInvite.token });
  assert.equal(w2.event, 'waiting');
  await mod.next((e) => e.ns === 'lobby' && e.event === 'entered' && e.participant.id === w2.id);
  assert.equal(g1.events.filter((e) => e.ns === 'lobby').length, 0, 'guests do not see lobby events');

  const modId = ctx.modId;
  mod.events.length = 0; // from here on the moderator must see no lobby/moderation change
  const actions = [
    { ns: 'lobby', action: 'admit', id: w2.id },
    { ns: 'lobby', action: 'reject', id: w2.id },
    { ns: 'lobby', action: 'admit_all' },
    { ns: 'moderation', action: 'set_lobby', enabled: false },
    { ns: 'moderation', action: 'set_role', id: w1.id, role: 'moderator' },
    { ns: 'moderation', action: 'set_role', id: modId, role: 'participant' },
  ];
  for (const a of actions) {
    await rejectedOnce('forbidden', async () => {
      const ev = await g1.request(a);
      assert.equal(ev.event, 'error');
      assert.equal(ev.code, 'forbidden', `${JSON.stringify(a)} → ${JSON.stringify(ev)}`);
    });
  }
  // nothing changed live either: guest 2 still waits, no lobby/role events went out
  await h.sleep(200);
  assert.equal(g2.events.filter((e) => e.event === 'joined' || e.event === 'rejected').length, 0, 'guest 2 still waiting');
  assert.equal(mod.events.filter((e) => (e.ns === 'lobby' && e.event === 'left') || e.ns === 'moderation' || e.event === 'participant_updated').length, 0,
    `no lobby/moderation change: ${JSON.stringify(mod.events.slice(-5))}`);
  const m = await api(ctx.erika.jar, 'GET', `/api/v1/meetings/${ctx.meeting.id}`);
  assert.equal(m.json.lobby, true);

  // a signed-in participant of the same tenant (not a moderator) is refused too
  const mx = client(ctx.max);
  await mx.opened;
  const mj = await mx.request({ ns: 'control', action: 'join', room: ctx.meeting.id });
  assert.equal(mj.event, 'joined', JSON.stringify(mj));
  assert.equal(mj.participants.find((p) => p.id === mj.id).role, 'participant');
  await rejectedOnce('forbidden', async () => {
    assert.equal((await mx.request({ ns: 'moderation', action: 'set_lobby', enabled: false })).code, 'forbidden');
  });
  await rejectedOnce('forbidden', async () => {
    assert.equal((await mx.request({ ns: 'lobby', action: 'admit', id: w2.id })).code, 'forbidden');
  });
  // ...and on the REST side: invites and changes are for the meeting's moderators
  await rejectedOnce('forbidden', async () => {
    const r = await api(ctx.max.jar, 'POST', `/api/v1/meetings/${ctx.meeting.id}/invites`, { role: 'moderator' });
    assert.equal(r.status, 403);
    assert.equal(r.json.error.code, 'forbidden');
  });
  await rejectedOnce('forbidden', async () => {
    const r = await api(ctx.max.jar, 'PATCH', `/api/v1/meetings/${ctx.meeting.id}`, { lobby: false });
    assert.equal(r.status, 403);
  });
  await rejectedOnce('forbidden', async () => {
    const r = await api(ctx.max.jar, 'DELETE', `/api/v1/meetings/${ctx.meeting.id}`);
    assert.equal(r.status, 403);
  });

  // the moderator still can (the refusals were about the sender)
  mod.send({ ns: 'lobby', action: 'reject', id: w2.id });
  await g2.next((e) => e.ns === 'lobby' && e.event === 'rejected');
  for (const c of [g1, g2, mx]) await c.close();
});

test('a user of another tenant: REST 404 not_found for the meeting (not 403), WebSocket join forbidden; counted; store unchanged', async () => {
  const id = ctx.meeting.id;
  await rejectedOnce('forbidden', async () => {
    const o = client(ctx.otto);
    await o.opened;
    const ev = await o.request({ ns: 'control', action: 'join', room: id, display_name: 'Otto' });
    assert.equal(ev.code, 'forbidden', JSON.stringify(ev));
    // an invitation does not open it for another tenant either
    await o.close();
  });
  const list = await api(ctx.otto.jar, 'GET', '/api/v1/meetings');
  assert.deepEqual(list.json.meetings, []);
  const s0 = idp.storeSnapshot(srv);
  for (const [method, path, body] of [
    ['GET', `/api/v1/meetings/${id}`],
    ['PATCH', `/api/v1/meetings/${id}`, { title: 'Übernommen' }],
    ['DELETE', `/api/v1/meetings/${id}`],
    ['GET', `/api/v1/meetings/${id}/invites`],
    ['POST', `/api/v1/meetings/${id}/invites`, { role: 'moderator' }],
    ['DELETE', `/api/v1/meetings/${id}/invites/${ctx.guestInvite.id}`],
    ['PUT', `/api/v1/meetings/${id}/moderators/${ctx.otto.me.id}`, {}],
  ]) {
    const r = await api(ctx.otto.jar, method, path, body);
    assert.equal(r.status, 404, `${method} ${path}: ${r.status} ${r.text}`);
    assert.equal(r.json.error.code, 'not_found');
  }
  // the same answer as for a meeting that does not exist: ids cannot be probed
  const none = await api(ctx.otto.jar, 'GET', '/api/v1/meetings/AAAAAAAAAAAAAAAAAAAAAA');
  assert.equal(none.status, 404);
  assert.deepEqual(idp.storeSnapshot(srv), s0, 'store unchanged');
});

test('another tenant\'s REST access is counted in ratsaal_auth_rejections_total', async () => {
  await rejectedOnce('forbidden', async () => {
    const r = await api(ctx.otto.jar, 'GET', `/api/v1/meetings/${ctx.meeting.id}`);
    assert.equal(r.status, 404);
  });
});

test('CSRF: state-changing requests without a JSON content type, or from another origin: 403 csrf, counted, nothing created', async () => {
  const jar = ctx.erika.jar;
  const cases = [
    ['POST', '/api/v1/meetings', 'title=Formular', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['POST', '/api/v1/meetings', '{"title":"text/plain"}', { 'content-type': 'text/plain' }],
    ['POST', '/api/v1/meetings', '{"title":"ohne Typ"}', {}],
    ['POST', '/api/v1/meetings', { title: 'fremde Herkunft' }, { origin: 'https://evil.example' }],
    ['DELETE', `/api/v1/meetings/${ctx.meeting.id}/invites/${ctx.guestInvite.id}`, undefined, { 'content-type': 'text/plain' }],
    ['DELETE', `/api/v1/meetings/${ctx.meeting.id}`, undefined, { 'content-type': 'application/json', origin: 'http://127.0.0.1:1' }],
    ['POST', '/auth/logout', '{}', { 'content-type': 'text/plain' }],
    ['POST', '/auth/local/login', 'username=a&password=b', { 'content-type': 'application/x-www-form-urlencoded' }],
  ];
  for (const [method, path, body, headers] of cases) {
    await rejectedOnce('csrf', async () => {
      const r = await api(jar, method, path, body, headers);
      assert.equal(r.status, 403, `${method} ${path} ${JSON.stringify(headers)}: ${r.status} ${r.text}`);
      assert.equal(r.json.error.code, 'csrf');
    });
  }
  // the same request with JSON from our own origin works (the refusals were about CSRF)
  const ok = await api(jar, 'POST', '/api/v1/meetings', { title: 'Richtig' }, { origin: srv.url });
  assert.equal(ok.status, 201, ok.text);
  assert.equal((await api(jar, 'GET', '/api/v1/me')).status, 200, 'still logged in after the refused logout');
});

// ───────── rate limits ─────────

test('rate limits per address: logins (login_rate_per_min) → 429 rate_limited, joins (join_rate_per_min) → rate_limited; another address is unaffected', async () => {
  const pw = 'richtiges-passwort-1';
  const rl = await idp.startRatsaal({
    config: { login_rate_per_min: 3, join_rate_per_min: 3, anonymous_meetings: 'on' },
    users: [{ name: 'clerk', role: 'user', password: pw, tenant: 'stadt-a' }],
  });
  try {
    const login = (password, localAddress) => idp.request(`${rl.url}/auth/local/login`, { method: 'POST', body: { username: 'clerk', password }, localAddress });
    for (let i = 0; i < 3; i++) {
      const r = await login('falsch-falsch-falsch');
      assert.equal(r.status, 401, `attempt ${i + 1}`);
      assert.equal(r.json.error.code, 'invalid_credentials');
    }
    for (const password of ['falsch-falsch-falsch', pw]) {
      const r = await rejectedOnce('rate_limited', () => login(password), { server: rl });
      assert.equal(r.status, 429, `4th+ attempt: ${r.status} ${r.text}`);
      assert.equal(r.json.error.code, 'rate_limited');
      assert.equal(r.headers['retry-after'], '60');
    }
    // per address: 127.0.0.2 still gets in, with the right password
    const other = await login(pw, '127.0.0.2');
    assert.equal(other.status, 200, `from 127.0.0.2: ${other.status} ${other.text}`);

    // joins: three from 127.0.0.1, the fourth refused; 127.0.0.2 unaffected
    const joinOnce = async (localAddress, room) => {
      const c = idp.wsClient(rl.url, { localAddress });
      await c.opened;
      const ev = await c.request({ ns: 'control', action: 'join', room, display_name: 'Eilig' });
      await c.close();
      return ev;
    };
    for (let i = 0; i < 3; i++) assert.equal((await joinOnce(undefined, `rate-room-${i}`)).event, 'joined', `join ${i + 1}`);
    await h.sleep(200); // the closed rooms are written before the snapshot
    const refused = await rejectedOnce('rate_limited', () => joinOnce(undefined, 'rate-room-x'), { server: rl });
    assert.equal(refused.event, 'error');
    assert.equal(refused.code, 'rate_limited');
    assert.equal((await joinOnce('127.0.0.2', 'rate-room-y')).event, 'joined', 'another address may join');
  } finally {
    await rl.stop();
  }
});
