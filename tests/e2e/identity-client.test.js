// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Identity client (web/login.html, web/meetings.html, account area, lobby/password/invite in the
// meeting page) against tests/e2e/lib/mock-server.js. Runs ONLY with RATSAAL_E2E_SERVER=mock: the
// mock is a stand-in for the identity server while it is written, not the reference. The real
// server's tests replace this file.
//
// RATSAAL_E2E_SHOTS=<dir> saves screenshots of every screen in English and German there.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./lib/harness.js');
const { tid } = h;

const RUN = process.env.RATSAAL_E2E_SERVER === 'mock';
const SHOTS = process.env.RATSAAL_E2E_SHOTS || '';
const PW = 'correct horse battery';

if (!RUN) {
  test('identity client against the mock server', { skip: 'needs RATSAAL_E2E_SERVER=mock (client development only)' }, () => {});
} else {
  h.watchdog(240000);
  const { startMockServer } = require('./lib/mock-server.js');

  let closed; // identity server: local + (fake) OIDC, anonymous meetings off
  let open; // open server: anonymous meetings on
  let browser;
  const pages = [];

  before(async () => {
    closed = await startMockServer({
      webDir: h.WEB,
      identity: { oidc: true, local: true, anonymous_meetings: false },
      users: [
        { username: 'ada', password: PW, display_name: 'Ada Admin', role: 'admin' },
        { username: 'erika', password: PW, display_name: 'Erika Mustermann', role: 'moderator' },
        { username: 'otto', password: PW, display_name: 'Otto Normal', role: 'user' },
        { username: 'fremd', password: PW, display_name: 'Frida Fremd', role: 'user', tenant: 'stadt-b' },
        { username: 'max', display_name: 'Max Muster', role: 'user', auth: 'oidc' },
      ],
      oidcUser: 'max',
      loginsPerMinute: 1000, // many logins from one address in this file
    });
    open = await startMockServer({ webDir: h.WEB });
    browser = await h.launchBrowser();
    if (SHOTS) fs.mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    if (browser) await browser.close().catch(() => {});
    if (closed) await closed.stop();
    if (open) await open.stop();
  });

  async function page(opts = {}) {
    const p = await h.newPage(browser, opts);
    pages.push(p);
    return p;
  }

  // A guest's page asks /api/v1/me and gets 401, a failed login gets 401: browsers log those
  // as "Failed to load resource". Everything else is a real error.
  function problems(p) {
    const errs = p.consoleErrors.filter((e) => !/Failed to load resource: the server responded with a status of 401/.test(e));
    return [...errs, ...p.pageErrors, ...p.cspViolations];
  }

  async function shot(p, name) {
    if (!SHOTS) return;
    await p.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  }

  async function login(p, username, ret = '/meetings') {
    await h.gotoReady(p, `${closed.url}/login?return=${encodeURIComponent(ret)}`);
    await p.fill(tid('login-username'), username);
    await p.fill(tid('login-password'), PW);
    await p.click(tid('login-submit'));
    await p.waitForURL(`${closed.url}${ret}`);
    await p.locator('html[data-ready="1"]').waitFor({ state: 'attached' });
  }

  /** Create a meeting through the meetings page; returns its id. */
  async function createMeeting(p, title, { password, lobby = true } = {}) {
    if (!p.url().endsWith('/meetings')) await h.gotoReady(p, `${closed.url}/meetings`);
    await p.fill(tid('meeting-create-title'), title);
    if (password) await p.fill(tid('meeting-create-password'), password);
    if (!lobby) await p.uncheck(tid('meeting-create-lobby'));
    await p.click(tid('meeting-create-submit'));
    const item = p.locator(tid('meeting-item')).filter({ hasText: title });
    await item.waitFor();
    return item.getAttribute('data-meeting-id');
  }

  /** Create an invite of role through the meetings page; returns the shown link. */
  async function createInvite(p, meetingId, role = 'guest') {
    const item = p.locator(`${tid('meeting-item')}[data-meeting-id="${meetingId}"]`);
    if ((await item.locator(tid('meeting-invites')).getAttribute('aria-expanded')) !== 'true') await item.locator(tid('meeting-invites')).click();
    await item.locator(tid('invite-role')).selectOption(role);
    const before = await item.locator(tid('invite-item')).count();
    await item.locator(tid('invite-create')).click();
    await h.waitUntil(async () => (await item.locator(tid('invite-item')).count()) === before + 1, { message: 'new invite listed' });
    return item.locator(tid('invite-link')).inputValue();
  }

  test('login page: OIDC button + local form, ?error= in plain words, bad password, return path guarded', (t) =>
    h.withArtifacts(t, () => pages, async () => {
      for (const locale of ['en-US', 'de-DE']) {
        const p = await page({ locale });
        await h.gotoReady(p, `${closed.url}/login?return=%2Fr%2Fabc%3Finvite%3Dx&error=invalid_state`);
        const href = await p.getAttribute(tid('login-oidc-button'), 'href');
        assert.equal(href, '/auth/oidc/login?return=%2Fr%2Fabc%3Finvite%3Dx');
        await p.locator(tid('login-username')).waitFor({ state: 'visible' });
        const err = await p.textContent(tid('login-error'));
        assert.match(err, locale === 'de-DE' ? /abgelaufen oder wurde schon verwendet/ : /expired or was already used/);
        await shot(p, `login-${locale}`);
        await p.fill(tid('login-username'), 'erika');
        await p.fill(tid('login-password'), 'wrong');
        await p.click(tid('login-submit'));
        await p.locator(tid('login-error')).filter({ hasText: locale === 'de-DE' ? 'Benutzername oder Kennwort ist falsch' : 'Wrong username or password' }).waitFor();
        await shot(p, `login-error-${locale}`);
        assert.deepEqual(problems(p), []);
      }
      // every documented error code has its own text
      const p = await page();
      for (const code of ['idp_error', 'token_exchange_failed', 'invalid_token', 'tenant_missing', 'rate_limited', 'invalid_credentials']) {
        await h.gotoReady(p, `${closed.url}/login?error=${code}`);
        const text = await p.textContent(tid('login-error'));
        assert.ok(text.length > 20 && !text.includes(code), `${code} has a plain text: ${text}`);
      }
      // open redirects are ignored: //evil, /\evil, absolute URLs go to /
      for (const bad of ['//evil.example/x', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)']) {
        await h.gotoReady(p, `${closed.url}/login?return=${encodeURIComponent(bad)}`);
        assert.equal(await p.getAttribute(tid('login-oidc-button'), 'href'), '/auth/oidc/login?return=%2F', bad);
      }
      // OIDC (the mock's fake provider) and local login both land on the return path
      await h.gotoReady(p, `${closed.url}/login?return=${encodeURIComponent('/meetings')}`);
      await p.click(tid('login-oidc-button'));
      await p.waitForURL(`${closed.url}/meetings`);
      await p.locator(tid('account-name')).filter({ hasText: 'Max Muster' }).waitFor();
      assert.equal(await p.locator(tid('change-password-button')).count(), 0, 'no password change for OIDC accounts');
      await p.click(tid('signout-button'));
      await p.waitForURL(/\/\?idp_logged_out=1$/); // logout_url of the (fake) provider
      const q = await page();
      await login(q, 'erika', '/meetings');
      await q.locator(tid('account-name')).filter({ hasText: 'Erika Mustermann' }).waitFor();
      assert.deepEqual(problems(p), []);
      assert.deepEqual(problems(q), []);
    }));

  test('login rate limit: 429 rate_limited is shown in plain words', (t) =>
    h.withArtifacts(t, () => pages, async () => {
      const limited = await startMockServer({ webDir: h.WEB, identity: { local: true, anonymous_meetings: false }, users: [{ username: 'x', password: PW }], loginsPerMinute: 1 });
      try {
        const p = await page();
        await h.gotoReady(p, `${limited.url}/login`);
        assert.equal(await p.locator(tid('login-oidc-button')).isVisible(), false, 'no OIDC button without OIDC');
        for (let i = 0; i < 2; i++) {
          await p.fill(tid('login-username'), 'x');
          await p.fill(tid('login-password'), 'wrong');
          await p.click(tid('login-submit'));
          await p.locator(`${tid('login-submit')}:not([disabled])`).waitFor();
        }
        await p.locator(tid('login-error')).filter({ hasText: 'Too many sign-in attempts' }).waitFor();
        assert.deepEqual(problems(p).filter((e) => !/status of 429/.test(e)), []);
      } finally {
        await limited.stop();
      }
    }));

  test('landing: open server shows the note; closed server sends "Start a meeting" to /login', (t) =>
    h.withArtifacts(t, () => pages, async () => {
      const a = await page();
      await h.gotoReady(a, `${open.url}/`);
      await a.locator(tid('server-note')).filter({ hasText: 'This server is open' }).waitFor();
      await shot(a, 'landing-open-en-US');
      await a.click(tid('start-button'));
      await a.waitForURL(/\/r\/[A-Za-z0-9_-]{22}$/);
      const b = await page({ locale: 'de-DE' });
      await h.gotoReady(b, `${closed.url}/`);
      await b.locator(`body[data-auth="anonymous"]`).waitFor({ state: 'attached' });
      assert.equal((await b.textContent(tid('server-note'))).trim(), '');
      await b.locator(tid('signin-link')).waitFor();
      await shot(b, 'landing-closed-de-DE');
      await b.click(tid('start-button'));
      await b.waitForURL(`${closed.url}/login?return=%2F`);
      // signed in: the landing page creates the meeting through the API and opens it
      await login(b, 'otto', '/');
      await b.locator(tid('account-name')).filter({ hasText: 'Otto Normal' }).waitFor();
      await shot(b, 'landing-signed-in-de-DE');
      await b.fill(tid('title-input'), 'Bauausschuss');
      await b.click(tid('start-button'));
      await b.waitForURL(/\/r\/[A-Za-z0-9_-]{22}$/);
      await b.locator('html[data-ready="1"]').waitFor({ state: 'attached' });
      await h.waitUntil(async () => (await b.inputValue(tid('name-input'))) === 'Otto Normal', { message: 'name prefilled from /api/v1/me' });
      await b.locator('#prejoin-room').filter({ hasText: 'Bauausschuss' }).waitFor();
      assert.deepEqual(problems(a), []);
      assert.deepEqual(problems(b), []);
    }));

  test('meetings page: empty state, create, edit, invites (link once, revoke), delete with confirmation; change password', (t) =>
    h.withArtifacts(t, () => pages, async () => {
      const p = await page({ origin: closed.url });
      await login(p, 'erika');
      await p.locator(tid('meetings-empty')).waitFor();
      await shot(p, 'meetings-empty-en-US');
      // client-side validation
      await p.click(tid('meeting-create-submit'));
      await p.locator(tid('meeting-create-error')).waitFor();
      await p.fill(tid('meeting-create-title'), 'Haupt- und Finanzausschuss');
      await p.fill(tid('meeting-create-start'), '2030-03-05T10:00');
      await p.fill(tid('meeting-create-end'), '2030-03-05T09:00');
      await p.click(tid('meeting-create-submit'));
      await p.locator(tid('meeting-create-error')).filter({ hasText: 'after the start' }).waitFor();
      await p.fill(tid('meeting-create-end'), '2030-03-05T12:30');
      await p.fill(tid('meeting-create-password'), '4711');
      await p.click(tid('meeting-create-submit'));
      const item = p.locator(tid('meeting-item')).first();
      await item.waitFor();
      const id = await item.getAttribute('data-meeting-id');
      assert.match(id, /^[A-Za-z0-9_-]{22}$/);
      assert.equal(await item.locator(tid('meeting-link')).textContent(), `${closed.url}/r/${id}`);
      assert.match(await item.locator(tid('meeting-schedule')).textContent(), /2030.*10:00.*12:30/);
      assert.equal(await item.locator(tid('meeting-role')).getAttribute('data-role'), 'moderator');
      assert.match(await item.locator(tid('meeting-flags')).textContent(), /Lobby on · password protected/);
      const m = closed.db.meetings.get(id);
      assert.equal(m.scheduled_start, new Date('2030-03-05T10:00').getTime());
      assert.equal(m.password, '4711');
      // edit: title and lobby off
      await item.locator(tid('meeting-edit')).click();
      await item.locator(tid('meeting-edit-title')).fill('Finanzausschuss');
      await item.locator(tid('meeting-edit-lobby')).uncheck();
      await item.locator(tid('meeting-edit-remove-password')).check();
      await item.locator(tid('meeting-edit-submit')).click();
      await p.locator(tid('meeting-title')).filter({ hasText: 'Finanzausschuss' }).waitFor();
      assert.equal(m.title, 'Finanzausschuss');
      assert.equal(m.lobby, false);
      assert.equal(m.password, null);
      // invites
      const link = await createInvite(p, id, 'participant');
      assert.match(link, new RegExp(`^${closed.url}/r/${id}\\?invite=[A-Za-z0-9_-]{43}$`));
      await shot(p, 'meetings-invite-en-US');
      const inv = item.locator(tid('invite-item')).first();
      assert.equal(await inv.getAttribute('data-role'), 'participant');
      await inv.locator(tid('invite-revoke')).click();
      await item.locator(`${tid('invite-item')}[data-revoked="true"]`).waitFor();
      assert.equal([...closed.db.invites.values()][0].revoked, true);
      // reopening the panel lists the invites without any token
      await item.locator(tid('meeting-invites')).click();
      await item.locator(tid('meeting-invites')).click();
      await item.locator(`${tid('invite-item')}[data-revoked="true"]`).waitFor();
      assert.equal(await item.locator(tid('invite-link')).count(), 0, 'the link is shown only once');
      // change password: weak, mismatch, wrong current, then success
      await p.click(tid('change-password-button'));
      await p.locator(tid('password-dialog')).waitFor({ state: 'visible' });
      await p.fill(tid('password-current'), PW);
      await p.fill(tid('password-new'), 'short');
      await p.fill(tid('password-repeat'), 'short');
      await p.click(tid('password-save'));
      await p.locator(tid('password-error')).filter({ hasText: '12 characters' }).waitFor();
      await p.fill(tid('password-current'), 'not my password');
      await p.fill(tid('password-new'), 'a much longer passphrase');
      await p.fill(tid('password-repeat'), 'a much longer passphrase');
      await p.click(tid('password-save'));
      await p.locator(tid('password-error')).filter({ hasText: 'current password is wrong' }).waitFor();
      await shot(p, 'password-dialog-en-US');
      await p.fill(tid('password-current'), PW);
      await p.click(tid('password-save'));
      await p.locator(tid('password-dialog')).waitFor({ state: 'hidden' });
      await p.locator(tid('toast')).filter({ hasText: 'password was changed' }).waitFor();
      const erika = [...closed.db.users.values()].find((u) => u.username === 'erika');
      assert.equal(erika.password, 'a much longer passphrase');
      erika.password = PW;
      // delete: cancel keeps it, confirm deletes it
      await item.locator(tid('meeting-delete')).click();
      await p.locator(tid('confirm-dialog')).waitFor({ state: 'visible' });
      await p.keyboard.press('Escape');
      await p.locator(tid('confirm-dialog')).waitFor({ state: 'hidden' });
      assert.ok(closed.db.meetings.has(id));
      await item.locator(tid('meeting-delete')).click();
      await p.click(tid('confirm-ok'));
      await p.locator(tid('meetings-empty')).waitFor();
      assert.ok(!closed.db.meetings.has(id));
      // German
      const de = await page({ locale: 'de-DE' });
      await login(de, 'erika');
      await createMeeting(de, 'Bauausschuss');
      await de.locator(tid('meeting-invites')).click();
      await de.locator(tid('invite-create')).click();
      await de.locator(tid('invite-link')).waitFor();
      await shot(de, 'meetings-invite-de-DE');
      assert.deepEqual(problems(p), []);
      assert.deepEqual(problems(de), []);
    }));

  test('guest by invitation waits in the lobby; the moderator admits one, rejects one, admits all; lobby switch', (t) =>
    h.withArtifacts(t, () => pages, async () => {
      const mod = await page();
      await login(mod, 'ada');
      const id = await createMeeting(mod, 'Ratssitzung');
      const link = await createInvite(mod, id, 'guest');
      await h.gotoReady(mod, `${closed.url}/r/${id}`);
      await h.waitUntil(async () => (await mod.inputValue(tid('name-input'))) === 'Ada Admin', { message: 'name prefilled' });
      await mod.click(tid('join-button'));
      await mod.locator(tid('meeting')).waitFor({ state: 'visible' });
      await h.openParticipants(mod);
      await mod.locator(tid('lobby-section')).waitFor({ state: 'visible' });
      assert.equal(await mod.getAttribute(tid('lobby-toggle'), 'aria-checked'), 'true');

      const g1 = await page({ locale: 'de-DE' });
      await h.gotoReady(g1, link);
      await g1.fill(tid('name-input'), 'Gast Eins');
      await g1.click(tid('join-button'));
      await g1.locator(tid('lobby-waiting')).waitFor({ state: 'visible' });
      assert.equal(await g1.textContent(tid('lobby-wait-title')), 'Ratssitzung');
      await shot(g1, 'lobby-waiting-de-DE');
      const item1 = mod.locator(tid('lobby-item')).filter({ hasText: 'Gast Eins' });
      await item1.waitFor();
      await mod.locator(tid('lobby-badge')).filter({ hasText: '1' }).waitFor();
      await mod.locator(tid('toast')).filter({ hasText: 'Gast Eins is waiting in the lobby' }).waitFor();
      assert.match(await item1.getAttribute('data-participant-id'), /^p/);
      await shot(mod, 'lobby-moderator-en-US');
      await item1.locator(tid('lobby-admit')).click();
      await g1.locator(tid('meeting')).waitFor({ state: 'visible' });
      await h.participantItem(mod, 'Gast Eins').waitFor();
      assert.equal(await h.participantItem(mod, 'Gast Eins').getAttribute('data-role'), 'guest');
      await mod.locator(tid('lobby-empty')).waitFor({ state: 'visible' });
      await mod.locator(tid('lobby-badge')).waitFor({ state: 'hidden' });
      // guests see no lobby section
      await h.openParticipants(g1);
      assert.equal(await g1.locator(tid('lobby-section')).isVisible(), false);

      const g2 = await page();
      await h.gotoReady(g2, link);
      await g2.fill(tid('name-input'), 'Gast Zwei');
      await g2.click(tid('join-button'));
      await g2.locator(tid('lobby-waiting')).waitFor({ state: 'visible' });
      await shot(g2, 'lobby-waiting-en-US');
      await mod.locator(tid('lobby-item')).filter({ hasText: 'Gast Zwei' }).locator(tid('lobby-reject')).click();
      await g2.locator(tid('lobby-rejected')).waitFor({ state: 'visible' });
      await shot(g2, 'lobby-rejected-en-US');

      // two waiting → Admit all
      const g3 = await page();
      const g4 = await page();
      for (const [g, n] of [[g3, 'Gast Drei'], [g4, 'Gast Vier']]) {
        await h.gotoReady(g, link);
        await g.fill(tid('name-input'), n);
        await g.click(tid('join-button'));
        await g.locator(tid('lobby-waiting')).waitFor({ state: 'visible' });
      }
      await h.waitUntil(async () => (await mod.locator(tid('lobby-item')).count()) === 2, { message: 'two waiting' });
      await mod.click(tid('lobby-admit-all'));
      await g3.locator(tid('meeting')).waitFor({ state: 'visible' });
      await g4.locator(tid('meeting')).waitFor({ state: 'visible' });

      // a waiting guest leaves by herself
      const g5 = await page();
      await h.gotoReady(g5, link);
      await g5.fill(tid('name-input'), 'Gast Fünf');
      await g5.click(tid('join-button'));
      await mod.locator(tid('lobby-item')).filter({ hasText: 'Gast Fünf' }).waitFor();
      await g5.click(tid('lobby-leave'));
      await g5.locator(tid('ended')).waitFor({ state: 'visible' });
      await mod.locator(tid('lobby-item')).filter({ hasText: 'Gast Fünf' }).waitFor({ state: 'detached' });

      // lobby off: the next guest comes straight in; the switch reflects lobby_changed
      await mod.click(tid('lobby-toggle'));
      await mod.locator(`${tid('lobby-toggle')}[aria-checked="false"]`).waitFor();
      assert.equal(closed.db.meetings.get(id).lobby, false);
      const g6 = await page();
      await h.gotoReady(g6, link);
      await g6.fill(tid('name-input'), 'Gast Sechs');
      await g6.click(tid('join-button'));
      await g6.locator(tid('meeting')).waitFor({ state: 'visible' });
      await mod.click(tid('lobby-toggle'));
      await mod.locator(`${tid('lobby-toggle')}[aria-checked="true"]`).waitFor();
      for (const p of [mod, g1, g2, g3, g4, g5, g6]) assert.deepEqual(problems(p), []);
    }));

  test('password: asked in the pre-join screen on password_required, wrong_password, then joins', (t) =>
    h.withArtifacts(t, () => pages, async () => {
      const mod = await page();
      await login(mod, 'erika');
      const id = await createMeeting(mod, 'Geheime Sitzung', { password: '2468', lobby: false });
      const link = await createInvite(mod, id, 'participant');
      const g = await page();
      await h.gotoReady(g, link);
      await g.fill(tid('name-input'), 'Petra Pin');
      assert.equal(await g.locator(tid('password-input')).isVisible(), false);
      await g.click(tid('join-button'));
      await g.locator(tid('password-input')).waitFor({ state: 'visible' });
      await g.locator(tid('password-error')).filter({ hasText: 'protected by a password' }).waitFor();
      assert.equal(await g.evaluate(() => document.activeElement.dataset.testid), 'password-input');
      await g.keyboard.type('1111');
      await g.keyboard.press('Enter');
      await g.locator(tid('password-error')).filter({ hasText: 'password is wrong' }).waitFor();
      await shot(g, 'password-wrong-en-US');
      await g.fill(tid('password-input'), '2468');
      await g.click(tid('join-button'));
      await g.locator(tid('meeting')).waitFor({ state: 'visible' });
      assert.deepEqual(problems(g), []);
      // German
      const d = await page({ locale: 'de-DE' });
      await h.gotoReady(d, `${link}&name=Dora&join=1`);
      await d.click(tid('join-button')); // a link prefills, the click joins
      await d.locator(tid('password-input')).waitFor({ state: 'visible' });
      await d.locator(tid('password-error')).filter({ hasText: 'Kennwort geschützt' }).waitFor();
      await shot(d, 'password-required-de-DE');
      assert.deepEqual(problems(d), []);
    }));

  test('denied: no invitation (sign-in link with return), revoked invitation, unknown meeting, other tenant', (t) =>
    h.withArtifacts(t, () => pages, async () => {
      const mod = await page();
      await login(mod, 'erika');
      const id = await createMeeting(mod, 'Nur mit Einladung');
      const link = await createInvite(mod, id, 'guest');
      await mod.locator(tid('invite-revoke')).first().click();
      await mod.locator(`${tid('invite-item')}[data-revoked="true"]`).waitFor();

      for (const locale of ['en-US', 'de-DE']) {
        const a = await page({ locale });
        await h.gotoReady(a, `${closed.url}/r/${id}`);
        await a.fill(tid('name-input'), 'Neugierig');
        await a.click(tid('join-button'));
        await a.locator(`${tid('join-denied')}[data-code="unauthorized"]`).waitFor({ state: 'visible' });
        assert.match(await a.textContent(tid('denied-heading')), locale === 'de-DE' ? /Einladung oder müssen sich anmelden/ : /You need an invitation or to sign in/);
        assert.equal(await a.getAttribute(tid('denied-signin'), 'href'), `/login?return=${encodeURIComponent(`/r/${id}`)}`);
        await shot(a, `denied-unauthorized-${locale}`);
        const b = await page({ locale });
        await h.gotoReady(b, link);
        await b.fill(tid('name-input'), 'Zu spät');
        await b.click(tid('join-button'));
        await b.locator(`${tid('join-denied')}[data-code="invalid_invite"]`).waitFor({ state: 'visible' });
        assert.match(await b.textContent(tid('denied-heading')), locale === 'de-DE' ? /abgelaufen oder wurde widerrufen/ : /This invitation is expired or was revoked/);
        await shot(b, `denied-invalid-invite-${locale}`);
        assert.deepEqual(problems(a), []);
        assert.deepEqual(problems(b), []);
      }
      // sign in from the denied screen and come back, prefilled
      const c = await page();
      await h.gotoReady(c, `${closed.url}/r/${id}`);
      await c.fill(tid('name-input'), 'Otto');
      await c.click(tid('join-button'));
      await c.click(tid('denied-signin'));
      await c.waitForURL(/\/login\?return=/);
      await c.locator('html[data-ready="1"]').waitFor({ state: 'attached' });
      await c.fill(tid('login-username'), 'otto');
      await c.fill(tid('login-password'), PW);
      await c.click(tid('login-submit'));
      await c.waitForURL(`${closed.url}/r/${id}`);
      await c.locator('html[data-ready="1"]').waitFor({ state: 'attached' });
      await c.click(tid('join-button'));
      await c.locator(tid('meeting')).waitFor({ state: 'visible' });

      const n = await page();
      await h.gotoReady(n, `${closed.url}/r/AAAAAAAAAAAAAAAAAAAAAA`);
      await n.fill(tid('name-input'), 'Irrläufer');
      await n.click(tid('join-button'));
      await n.locator(`${tid('join-denied')}[data-code="not_found"]`).waitFor({ state: 'visible' });
      const f = await page();
      await login(f, 'fremd', `/r/${id}`);
      await f.click(tid('join-button'));
      await f.locator(`${tid('join-denied')}[data-code="forbidden"]`).waitFor({ state: 'visible' });
      await shot(f, 'denied-forbidden-en-US');
      for (const p of [c, n, f]) assert.deepEqual(problems(p), []);
    }));

  test('owner makes a signed-in participant moderator and back; guests get no such action', (t) =>
    h.withArtifacts(t, () => pages, async () => {
      const owner = await page();
      await login(owner, 'erika');
      const id = await createMeeting(owner, 'Ältestenrat', { lobby: false });
      const link = await createInvite(owner, id, 'guest');
      await h.gotoReady(owner, `${closed.url}/r/${id}`);
      await owner.click(tid('join-button'));
      await owner.locator(tid('meeting')).waitFor({ state: 'visible' });
      const otto = await page();
      await login(otto, 'otto', `/r/${id}`);
      await otto.click(tid('join-button'));
      await otto.locator(tid('meeting')).waitFor({ state: 'visible' });
      const guest = await page();
      await h.gotoReady(guest, link);
      await guest.fill(tid('name-input'), 'Gast');
      await guest.click(tid('join-button'));
      await guest.locator(tid('meeting')).waitFor({ state: 'visible' });

      await h.openParticipants(owner);
      const ottoItem = h.participantItem(owner, 'Otto Normal');
      await ottoItem.waitFor();
      assert.equal(await h.participantItem(owner, 'Gast').locator(tid('role-action')).count(), 0, 'no action for guests');
      assert.equal(await h.participantItem(owner, 'Erika').locator(tid('role-action')).count(), 0, 'no action on oneself');
      await ottoItem.locator(`${tid('role-action')}[data-action="make-moderator"]`).click();
      await owner.locator(`${tid('participant-item')}[data-role="moderator"]`).filter({ hasText: 'Otto Normal' }).waitFor();
      await otto.locator(tid('toast')).filter({ hasText: 'You are now a moderator' }).waitFor();
      await h.openParticipants(otto);
      await otto.locator(tid('lobby-section')).waitFor({ state: 'visible' });
      // Otto is not the owner: he cannot grant
      assert.equal(await otto.locator(tid('role-action')).count(), 0);
      await shot(owner, 'participants-owner-en-US');
      await ottoItem.locator(`${tid('role-action')}[data-action="remove-moderator"]`).click();
      await owner.locator(`${tid('participant-item')}[data-role="participant"]`).filter({ hasText: 'Otto Normal' }).waitFor();
      await otto.locator(tid('lobby-section')).waitFor({ state: 'hidden' });
      // a guest's forbidden moderator action is shown as an error toast
      await guest.evaluate(() => window.__ratsaalMeeting.sig.trySend({ ns: 'lobby', action: 'admit_all' }));
      await guest.locator(`${tid('toast-error')}[data-code="forbidden"]`).waitFor();
      for (const p of [owner, otto, guest]) assert.deepEqual(problems(p), []);
    }));

  test('keyboard: login form and meeting creation work without a mouse', (t) =>
    h.withArtifacts(t, () => pages, async () => {
      const p = await page();
      await h.gotoReady(p, `${closed.url}/login?return=%2Fmeetings`);
      // the OIDC button has focus first only when it is the sole login; here Tab reaches the form
      await p.focus(tid('login-username'));
      await p.keyboard.type('erika');
      await p.keyboard.press('Tab');
      await p.keyboard.type(PW);
      await p.keyboard.press('Enter');
      await p.waitForURL(`${closed.url}/meetings`);
      await p.locator('html[data-ready="1"]').waitFor({ state: 'attached' });
      await p.focus(tid('meeting-create-title'));
      await p.keyboard.type('Tastatursitzung');
      await p.keyboard.press('Enter');
      const item = p.locator(tid('meeting-item')).filter({ hasText: 'Tastatursitzung' });
      await item.waitFor();
      assert.equal(await p.evaluate(() => document.activeElement.classList.contains('meeting-name')), true, 'focus moves to the new meeting');
      const focusRing = await p.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
      assert.notEqual(focusRing, 'none');
      assert.deepEqual(problems(p), []);
    }));
}
