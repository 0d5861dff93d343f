// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Issue 12, what a new user met before joining:
// - point 8: a guest's pre-join shows the meeting's title (not the room id) and the password
//   field up front (GET /api/v1/rooms/{id}/public), the typed password survives a reload of the
//   tab (sessionStorage) and is cleared when wrong; outsiders learn nothing from the endpoint;
// - a signed-out page load logs no error in the console (no 401 from /api/v1/me);
// - the creator of an ad-hoc (anonymous) room is still moderator after reloading the page,
//   while another tab with the same link is not.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness.js');
const idp = require('./lib/idp.js');
const { tid } = h;

h.watchdog(240000);

const PW = 'richtiges-passwort-1';
const MEETING_PW = 'Stadtrat-4711';
const HIDDEN = { title: null, needs_password: false, lobby: false, receive_only: false };

let srv;
let browser;
let owner;
let meeting;
let inviteToken;
const pages = [];

const api = (method, path, { jar, body, localAddress } = {}) =>
  idp.request(`${srv.url}${path}`, { method, jar, body, localAddress, headers: method === 'GET' ? {} : { 'content-type': 'application/json' } });

before(async () => {
  srv = await idp.startRatsaal({ config: { anonymous_meetings: 'on' }, users: [{ name: 'clerk', role: 'user', password: PW, tenant: 'stadt-a' }] });
  browser = await h.launchBrowser();
  owner = new idp.CookieJar();
  const login = await api('POST', '/auth/local/login', { jar: owner, body: { username: 'clerk', password: PW } });
  assert.equal(login.status, 200, login.text);
  const m = await api('POST', '/api/v1/meetings', { jar: owner, body: { title: 'Bauausschuss', password: MEETING_PW, lobby: false } });
  assert.equal(m.status, 201, m.text);
  meeting = m.json;
  const inv = await api('POST', `/api/v1/meetings/${meeting.id}/invites`, { jar: owner, body: { role: 'participant' } });
  assert.equal(inv.status, 201, inv.text);
  inviteToken = inv.json.token;
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (srv) await srv.stop();
});

const pub = (id, query = '', opts = {}) => api('GET', `/api/v1/rooms/${id}/public${query}`, opts);

test('GET /api/v1/rooms/{id}/public: title and password for link holders, the same empty answer for everyone else', async () => {
  const q = `?invite=${encodeURIComponent(inviteToken)}`;
  // a guest with the invitation
  let r = await pub(meeting.id, q);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { title: 'Bauausschuss', needs_password: true, lobby: false, receive_only: false });
  // the owner needs no password
  r = await pub(meeting.id, '', { jar: owner });
  assert.deepEqual(r.json, { title: 'Bauausschuss', needs_password: false, lobby: false, receive_only: false });
  // outsiders: no invitation, a wrong one, an unknown room all look alike
  const before = await idp.authRejections(srv.url);
  for (const [id, query] of [[meeting.id, ''], [meeting.id, '?invite=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'], ['k3J9x2mQ7pV4sT8wYb1ZcA', ''], ['nobody-here', q]]) {
    r = await pub(id, query);
    assert.equal(r.status, 200, `${id}${query}: ${r.text}`);
    assert.deepEqual(r.json, HIDDEN, `${id}${query}`);
  }
  const afterCount = await idp.authRejections(srv.url);
  assert.equal(afterCount.invalid_invite || 0, (before.invalid_invite || 0) + 1, 'the bad invitation is counted');
  // not a room id: 404, like the page; other methods: 405
  assert.equal((await pub('a.b')).status, 404);
  assert.equal((await api('POST', `/api/v1/rooms/${meeting.id}/public`, { body: {} })).status, 405);
  // the look-ups are limited per client address (join_rate_per_min, 60): another address is unaffected
  let limited = null;
  for (let i = 0; i < 70 && !limited; i++) {
    const x = await pub('k3J9x2mQ7pV4sT8wYb1ZcA', '', { localAddress: '127.0.0.3' });
    if (x.status === 429) limited = x;
    else assert.equal(x.status, 200);
  }
  assert.ok(limited, 'the 61st look-up within a minute is refused');
  assert.equal(limited.json.error.code, 'rate_limited');
  assert.equal(limited.headers['retry-after'], '60');
  assert.equal((await pub('k3J9x2mQ7pV4sT8wYb1ZcA', '', { localAddress: '127.0.0.4' })).status, 200);
});

test('a guest sees the title and the password field up front; the password survives a reload and is cleared when wrong', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const link = `${srv.url}/r/${meeting.id}?invite=${encodeURIComponent(inviteToken)}`;
    const page = await h.newPage(browser);
    pages.push(page);
    await h.gotoReady(page, link);
    await h.waitUntil(async () => /Bauausschuss/.test(await page.textContent('#prejoin-room')), { message: 'title on the pre-join' });
    assert.doesNotMatch(await page.textContent('#prejoin-room'), new RegExp(meeting.id));
    await page.locator(tid('password-input')).waitFor({ state: 'visible' });
    assert.equal(await page.locator(tid('password-error')).isVisible(), false, 'no error before any attempt');

    // typed, then reloaded: still there (this tab only)
    await page.fill(tid('password-input'), MEETING_PW);
    await h.gotoReady(page, link);
    await page.locator(tid('password-input')).waitFor({ state: 'visible' });
    await h.waitUntil(async () => (await page.inputValue(tid('password-input'))) === MEETING_PW, { message: 'password kept over the reload' });
    // another tab of the same browser does not get it
    const other = await page.context().newPage();
    pages.push(other);
    await h.gotoReady(other, link);
    await other.locator(tid('password-input')).waitFor({ state: 'visible' });
    assert.equal(await other.inputValue(tid('password-input')), '');
    await other.close();

    // a wrong password: error, the field and the kept copy are emptied
    await page.fill(tid('password-input'), 'falsch-falsch');
    await page.fill(tid('name-input'), 'Gast Eins');
    await page.click(tid('join-button'));
    await page.locator(tid('password-error')).waitFor({ state: 'visible' });
    assert.equal(await page.inputValue(tid('password-input')), '');
    assert.equal(await page.evaluate((id) => sessionStorage.getItem(`ratsaal.password.${id}`), meeting.id), null);
    await h.gotoReady(page, link);
    await page.locator(tid('password-input')).waitFor({ state: 'visible' });
    assert.equal(await page.inputValue(tid('password-input')), '');

    // the right one joins
    await page.fill(tid('password-input'), MEETING_PW);
    await page.fill(tid('name-input'), 'Gast Eins');
    await page.click(tid('join-button'));
    await page.locator(tid('meeting')).waitFor({ state: 'visible' });
    assert.deepEqual(page.pageErrors, []);
    await page.context().close(); // out of the meeting before the next test loads pages
  }));

test('a signed-out page load logs no error in the console', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    for (const stale of [false, true]) {
      const page = await h.newPage(browser);
      pages.push(page);
      const messages = [];
      page.on('console', (m) => messages.push({ type: m.type(), text: m.text() }));
      if (stale) await page.context().addCookies([{ name: 'ratsaal_session', value: 'abgelaufen0123456789abcdef', url: srv.url }]);
      for (const p of ['/', '/login', '/meetings', '/r/k3J9x2mQ7pV4sT8wYb1ZcA', `/r/${meeting.id}`, `/r/${meeting.id}?invite=${encodeURIComponent(inviteToken)}`]) {
        await h.gotoReady(page, `${srv.url}${p}`);
        await page.waitForLoadState('networkidle');
      }
      const errors = messages.filter((m) => m.type === 'error');
      assert.deepEqual(errors, [], `signed out${stale ? ' with an expired session cookie' : ''}`);
      await page.context().close();
    }
  }));

test('the creator of an ad-hoc room stays moderator after a reload; another tab with the link does not become one', (t) =>
  h.withArtifacts(t, () => pages, async () => {
    const roleOf = (page) => page.evaluate(() => window.__ratsaalMeeting.state.self && window.__ratsaalMeeting.state.self.role);
    const room = [...require('node:crypto').randomBytes(22)].map((b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[b & 63]).join('');
    const link = `${srv.url}/r/${room}`;
    // every page is loaded before the meeting starts: fresh pages that load while another
    // page of the same browser is in a meeting sometimes stall here (see the report of
    // issue 12 to the lead; not what this test is about)
    const creator = await h.newPage(browser);
    const guest = await h.newPage(browser);
    const tab = await creator.context().newPage(); // the same browser, another tab
    pages.push(creator, guest, tab);
    for (const p of [creator, guest, tab]) await h.gotoReady(p, link);

    await h.joinFromPrejoin(creator, 'Erika Erstellerin');
    assert.equal(await roleOf(creator), 'moderator');
    await h.joinFromPrejoin(guest, 'Gustav Gast');
    assert.equal(await roleOf(guest), 'participant');

    // the creator reloads and joins again while the guest keeps the room open
    await h.gotoReady(creator, link);
    await h.joinFromPrejoin(creator, 'Erika Erstellerin');
    await h.waitUntil(async () => (await roleOf(creator)) === 'moderator', { message: 'creator is moderator after the reload' });

    // the other tab of the creator's browser: the key stays with the creator's tab
    await h.joinFromPrejoin(tab, 'Zweiter Tab');
    assert.equal(await roleOf(tab), 'participant');
    // a forged claim over the WebSocket gets nothing either
    const ws = idp.wsClient(srv.url);
    try {
      await ws.opened;
      const joined = await ws.request({ ns: 'control', action: 'join', room, display_name: 'Mallory', creator_key: 'AAAAAAAAAAAAAAAAAAAAAA' });
      const me = joined.participants.find((p) => p.id === joined.id);
      assert.equal(me.role, 'participant');
      assert.equal(joined.creator_key, undefined);
    } finally {
      ws.close();
    }
    for (const p of [creator, guest]) assert.deepEqual(p.pageErrors, []);
  }));
