// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Identity end to end in headless Chromium, against the real binary:
// - OIDC: a real, certified OpenID provider (npm oidc-provider) on loopback; the moderator logs
//   in through its own login form, creates a meeting and a guest invite, admits one guest from
//   the lobby and rejects another; logout clears the cookie and ends the provider's session.
// - Local accounts: `ratsaal user add` (password on stdin), the login form, a password change
//   through the API, the old password refused, the new one accepted.
//
// Where the client UI is not there (yet), the step falls back to the REST API / a direct
// link, and the test says so in its output (t.diagnostic).

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness.js');
const idp = require('./lib/idp.js');

const { tid } = h;
const stopWatchdog = h.watchdog(110000);

let browser;
let provider;
let server;

before(async () => {
  // both URLs must be known before either starts: the server's config names the issuer, the
  // provider's client names the server's callback
  const serverPort = await h.freeTcpPort();
  const idpPort = await h.freeTcpPort();
  const serverUrl = `http://127.0.0.1:${serverPort}`;
  provider = await idp.startOidcProvider({ port: idpPort, serverUrl });
  server = await idp.startRatsaal({
    port: serverPort,
    config: {
      public_url: serverUrl,
      oidc_issuer: provider.issuer,
      oidc_client_id: provider.clientId,
      oidc_client_secret: provider.clientSecret,
      oidc_groups_claim: 'groups',
      oidc_moderator_group: 'ratsaal-moderators',
      oidc_admin_group: 'ratsaal-admins',
      oidc_tenant_claim: 'tenant',
    },
  });
  browser = await h.launchBrowser();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) await server.stop();
  if (provider) await provider.stop();
  stopWatchdog();
});

const { pageApi } = h;

const has = async (page, testid) => (await page.locator(tid(testid)).count()) > 0;

/** / → Start a meeting → /login → the OIDC button (or the direct link) → provider form → back. */
async function oidcLoginViaUi(t, page, user) {
  await h.gotoReady(page, `${server.url}/`);
  await page.click(tid('start-button'));
  await page.waitForURL((u) => u.pathname === '/login' || u.toString().startsWith(provider.issuer), { timeout: 10000 });
  if (new URL(page.url()).pathname === '/login') {
    await page.locator('html[data-ready="1"]').waitFor({ state: 'attached' });
    const button = page.locator(tid('login-oidc-button'));
    if (await button.count()) {
      await button.waitFor({ state: 'visible' });
      await button.click();
    } else {
      t.diagnostic('login page has no OIDC button: following /auth/oidc/login directly');
      await page.goto(`${server.url}/auth/oidc/login?return=/meetings`);
    }
  }
  await idp.providerLogin(page, provider, user);
  await page.waitForURL((u) => u.origin === server.url && u.pathname !== '/auth/oidc/callback', { timeout: 10000 });
  assert.ok(!new URL(page.url()).searchParams.get('error'), `login failed: ${page.url()}`);
}

/** Keep the page's signaling frames (shown when a step fails). */
function recordFrames(page) {
  page.frames_ = [];
  page.on('websocket', (ws) => {
    ws.on('framesent', (f) => page.frames_.push(`> ${String(f.payload).slice(0, 300)}`));
    ws.on('framereceived', (f) => page.frames_.push(`< ${String(f.payload).slice(0, 300)}`));
    ws.on('close', () => page.frames_.push('closed'));
  });
  return page;
}

/** From the pre-join screen of an invite link: enter a name, join, land in the lobby. */
async function joinToLobby(page, name) {
  await page.locator(tid('name-input')).waitFor({ state: 'visible' });
  await page.fill(tid('name-input'), name);
  await page.click(tid('join-button'));
  await page.locator(tid('lobby-waiting')).waitFor({ state: 'visible' });
}

async function cookieNames(page) {
  return (await page.context().cookies(server.url)).map((c) => c.name);
}

test('OIDC login through the provider form; meeting + guest invite (UI /meetings or REST fallback); one guest admitted from the lobby, another rejected; logout', async (t) => {
  const pages = [];
  await h.withArtifacts(t, () => pages, async () => {
    const mod = await h.newPage(browser);
    pages.push(mod);
    await oidcLoginViaUi(t, mod, 'erika');

    // signed in: an HttpOnly, SameSite cookie (no Secure: the public URL is http on loopback)
    const cookie = (await mod.context().cookies(server.url)).find((c) => c.name === 'ratsaal_session');
    assert.ok(cookie, 'session cookie set');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');
    assert.equal(await mod.evaluate(() => document.cookie.includes('ratsaal_session')), false, 'not readable from script');
    const me = await pageApi(mod, 'GET', '/api/v1/me');
    assert.equal(me.status, 200);
    assert.deepEqual(
      { name: me.json.user.display_name, role: me.json.user.role, tenant: me.json.user.tenant, auth: me.json.user.auth },
      { name: 'Erika Mustermann', role: 'moderator', tenant: 'stadt-a', auth: 'oidc' },
    );

    // the meeting and a guest invite
    await h.gotoReady(mod, `${server.url}/meetings`);
    const title = `Bauausschuss ${Date.now() % 100000}`;
    let meeting;
    let inviteUrl;
    if (await has(mod, 'meeting-create-title')) {
      await mod.fill(tid('meeting-create-title'), title);
      await mod.click(tid('meeting-create-submit'));
      const item = mod.locator(tid('meeting-item')).filter({ has: mod.locator(tid('meeting-title'), { hasText: title }) });
      await item.waitFor({ state: 'visible' });
      const id = await item.getAttribute('data-meeting-id');
      meeting = (await pageApi(mod, 'GET', `/api/v1/meetings/${id}`)).json;
      assert.equal(meeting.title, title);
      await item.locator(tid('meeting-invites')).click();
      await item.locator(tid('invite-role')).selectOption('guest');
      await item.locator(tid('invite-create')).click();
      const link = item.locator(tid('invite-link'));
      await link.waitFor({ state: 'visible' });
      inviteUrl = await link.inputValue();
      t.diagnostic('meeting and invite created through the /meetings UI');
    } else {
      t.diagnostic('no /meetings UI: meeting and invite created through the REST API from the page');
      const r = await pageApi(mod, 'POST', '/api/v1/meetings', { title });
      assert.equal(r.status, 201, JSON.stringify(r.json));
      meeting = r.json;
      const inv = await pageApi(mod, 'POST', `/api/v1/meetings/${meeting.id}/invites`, { role: 'guest' });
      assert.equal(inv.status, 201, JSON.stringify(inv.json));
      inviteUrl = `${server.url}${inv.json.url}`;
    }
    assert.equal(meeting.lobby, true, 'lobby on by default');
    assert.equal(meeting.my_role, 'moderator');
    assert.equal(meeting.tenant, 'stadt-a');
    assert.match(inviteUrl, new RegExp(`/r/${meeting.id}\\?invite=[A-Za-z0-9_-]{32}$`));

    // the moderator enters the meeting (the account's name is prefilled)
    recordFrames(mod);
    await h.gotoReady(mod, `${server.url}/r/${meeting.id}`);
    await mod.locator(tid('name-input')).waitFor({ state: 'visible' });
    await h.waitUntil(async () => (await mod.inputValue(tid('name-input'))) === 'Erika Mustermann', { timeout: 5000, message: 'name prefilled from the account' });
    await mod.click(tid('join-button'));
    await mod.locator(tid('meeting')).waitFor({ state: 'visible' });
    await h.openParticipants(mod);
    await mod.locator(tid('lobby-section')).waitFor({ state: 'visible' });
    // the moderator may pass the meeting's link on
    assert.equal(await mod.locator(tid('copy-link')).isVisible(), true, 'moderator sees Copy link');

    // guest 1: waits in the lobby, is admitted
    const g1 = recordFrames(await h.newPage(browser));
    pages.push(g1);
    await h.gotoReady(g1, inviteUrl);
    // a guest's link names their own invitation: nothing to pass on, not before, in or after the lobby
    assert.equal(await g1.locator(tid('copy-link')).isVisible(), false, 'no Copy link on an invitation');
    await joinToLobby(g1, 'Gast Eins');
    assert.equal(await g1.locator(tid('copy-link')).isVisible(), false, 'no Copy link in the lobby');
    const entry1 = mod.locator(tid('lobby-item')).filter({ has: mod.locator(tid('lobby-name'), { hasText: 'Gast Eins' }) });
    await entry1.waitFor({ state: 'visible' });
    assert.ok(await entry1.getAttribute('data-participant-id'));
    await entry1.locator(tid('lobby-admit')).click();
    await g1.locator(tid('meeting')).waitFor({ state: 'visible' });
    assert.equal(await g1.locator(tid('lobby-waiting')).isVisible(), false);
    assert.equal(await g1.locator(tid('copy-link')).isVisible(), false, 'a guest in the meeting does not share it');
    await entry1.waitFor({ state: 'detached' });
    await h.openParticipants(g1);
    await h.participantItem(g1, 'Erika Mustermann').waitFor({ state: 'visible' });
    await h.participantItem(g1, 'Gast Eins').waitFor({ state: 'visible' });
    await h.participantItem(mod, 'Gast Eins').waitFor({ state: 'visible' });
    // a guest does not see the lobby
    assert.equal(await g1.locator(tid('lobby-section')).isVisible(), false);

    // guest 2: waits, is rejected
    const g2 = recordFrames(await h.newPage(browser));
    pages.push(g2);
    await h.gotoReady(g2, inviteUrl);
    await joinToLobby(g2, 'Gast Zwei');
    const entry2 = mod.locator(tid('lobby-item')).filter({ has: mod.locator(tid('lobby-name'), { hasText: 'Gast Zwei' }) });
    await entry2.waitFor({ state: 'visible' });
    await entry2.locator(tid('lobby-reject')).click();
    await g2.locator(tid('lobby-rejected')).waitFor({ state: 'visible' }).catch((e) => {
      throw new Error(`${e.message}\nguest frames:\n${g2.frames_.join('\n')}\nmoderator frames:\n${mod.frames_.slice(-10).join('\n')}\nserver:\n${server.output().slice(-3000)}`);
    });
    assert.equal(await g2.locator(tid('meeting')).isVisible(), false);
    await entry2.waitFor({ state: 'detached' });
    assert.equal(await h.participantItem(mod, 'Gast Zwei').count(), 0, 'the rejected guest is not in the meeting');
    assert.equal(await h.participantItem(g1, 'Gast Zwei').count(), 0);

    // the invite was used twice (both guests presented it)
    const invites = await pageApi(mod, 'GET', `/api/v1/meetings/${meeting.id}/invites`);
    assert.equal(invites.status, 200);
    assert.equal(invites.json.invites.length, 1);
    assert.equal(invites.json.invites[0].uses, 2);

    // logout: through the account menu when there is one, which continues at the provider's
    // end-session endpoint; else POST /auth/logout from the page
    await h.gotoReady(mod, `${server.url}/meetings`);
    const oldCookie = idp.cookieFrom(await mod.context().cookies(server.url), 'ratsaal_session');
    assert.equal((await idp.request(`${server.url}/api/v1/me`, { headers: { cookie: oldCookie } })).status, 200);
    let logoutUrl;
    if (await has(mod, 'signout-button')) {
      const toIdp = mod.waitForRequest((r) => r.url().startsWith(provider.issuer), { timeout: 10000 });
      await mod.click(tid('signout-button'));
      logoutUrl = (await toIdp).url();
    } else {
      t.diagnostic('no sign-out button: POST /auth/logout from the page');
      const r = await pageApi(mod, 'POST', '/auth/logout', {});
      assert.equal(r.status, 200);
      logoutUrl = r.json.logout_url;
      await mod.goto(logoutUrl);
    }
    const lu = new URL(logoutUrl);
    assert.equal(lu.origin, provider.issuer, `logout_url ${logoutUrl}`);
    assert.ok(lu.searchParams.get('id_token_hint'), 'id_token_hint');
    assert.equal(lu.searchParams.get('post_logout_redirect_uri'), `${server.url}/`);
    assert.ok(!(await cookieNames(mod)).includes('ratsaal_session'), 'cookie cleared');
    // and the session is gone on the server: the old cookie no longer works
    assert.equal((await idp.request(`${server.url}/api/v1/me`, { headers: { cookie: oldCookie } })).status, 401);
    assert.equal((await idp.request(`${server.url}/api/v1/meetings`, { headers: { cookie: oldCookie } })).status, 401);
    // the provider asks, then sends the browser back to us
    await mod.locator('button[name="logout"][value="yes"]').click();
    await mod.waitForURL(`${server.url}/`, { timeout: 10000 });
    // the provider's session is over too: a new login shows its login form again
    await mod.goto(`${server.url}/auth/oidc/login?return=/meetings`);
    await mod.waitForURL((u) => u.toString().startsWith(`${provider.issuer}/interaction/`), { timeout: 10000 });
    await mod.locator('input[name="login"]').waitFor({ state: 'visible' });

    assert.deepEqual(provider.errors, []);
    for (const p of pages) assert.deepEqual(p.pageErrors, [], 'no page errors');
  });
});

test('local account: ratsaal user add, login form, password change through the API, new password works, old does not', async (t) => {
  const pages = [];
  const oldPw = 'erstes-passwort-123';
  const newPw = 'zweites-passwort-456';
  const local = await idp.startRatsaal({ config: { anonymous_meetings: 'off' }, users: [{ name: 'admin1', role: 'admin', password: oldPw, tenant: 'stadt-a' }] });
  try {
    await h.withArtifacts(t, () => pages, async () => {
      const page = await h.newPage(browser);
      pages.push(page);
      const form = async (username, password) => {
        await h.gotoReady(page, `${local.url}/login?return=/meetings`);
        if (await has(page, 'login-username')) {
          await page.locator(tid('login-username')).waitFor({ state: 'visible' });
          await page.fill(tid('login-username'), username);
          await page.fill(tid('login-password'), password);
          await page.click(tid('login-submit'));
          return 'ui';
        }
        t.diagnostic('no login form: POST /auth/local/login from the page');
        const r = await pageApi(page, 'POST', '/auth/local/login', { username, password });
        if (r.status === 200) await page.goto(`${local.url}/meetings`);
        return r;
      };

      await h.gotoReady(page, `${local.url}/login`);
      const auth = await pageApi(page, 'GET', '/api/v1/auth');
      assert.deepEqual(auth.json, { oidc: false, local: true, anonymous_meetings: false, user: null });

      await form('admin1', oldPw);
      await page.waitForURL(`${local.url}/meetings`, { timeout: 10000 });
      const me = await pageApi(page, 'GET', '/api/v1/me');
      assert.equal(me.status, 200);
      // /api/v1/auth now also names the signed-in user (no 401 needed to find out)
      const authIn = await pageApi(page, 'GET', '/api/v1/auth');
      assert.equal(authIn.json.user && authIn.json.user.id, me.json.user.id);
      assert.equal(me.json.user.role, 'admin');
      assert.equal(me.json.user.auth, 'local');
      assert.equal(me.json.user.tenant, 'stadt-a');

      // password change: too short, wrong current, then right
      let r = await pageApi(page, 'POST', '/api/v1/me/password', { current: oldPw, new: 'short' });
      assert.equal(r.status, 400);
      assert.equal(r.json.error.code, 'weak_password');
      r = await pageApi(page, 'POST', '/api/v1/me/password', { current: 'not-the-password', new: newPw });
      assert.equal(r.status, 401);
      assert.equal(r.json.error.code, 'invalid_credentials');
      r = await pageApi(page, 'POST', '/api/v1/me/password', { current: oldPw, new: newPw });
      assert.equal(r.status, 204);

      r = await pageApi(page, 'POST', '/auth/logout', {});
      assert.equal(r.status, 200);
      assert.equal(r.json.logout_url, null, 'no provider logout for a local account');
      assert.equal((await pageApi(page, 'GET', '/api/v1/me')).status, 401);

      // the old password no longer works
      const how = await form('admin1', oldPw);
      if (how === 'ui') {
        await page.locator(tid('login-error')).waitFor({ state: 'visible' });
        assert.equal(new URL(page.url()).pathname, '/login');
      } else {
        assert.equal(how.status, 401);
      }
      assert.equal((await pageApi(page, 'GET', '/api/v1/me')).status, 401);

      // the new one does
      await form('admin1', newPw);
      await page.waitForURL(`${local.url}/meetings`, { timeout: 10000 });
      assert.equal((await pageApi(page, 'GET', '/api/v1/me')).json.user.role, 'admin');
      assert.deepEqual(page.pageErrors, []);
    });
  } finally {
    await local.stop();
  }
});
