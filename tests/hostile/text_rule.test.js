// SPDX-License-Identifier: EUPL-1.2
'use strict';
// Text that hides or disguises itself, against the real binary (issue 11): invisible-only
// display names (zero-width characters, NBSP, U+3000, the Hangul filler U+3164), bidi marks
// and overrides in names and chat, and REST meeting titles with U+202E / U+2028 or more than
// 200 characters (counted as characters, not bytes). Each is refused and changes nothing.
//
// Run: node --test tests/hostile/text_rule.test.js (after `make`).

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('../e2e/lib/harness.js');
const idp = require('../e2e/lib/idp.js');

const PW = 'correct horse battery staple';
const stopWatchdog = h.watchdog(60000);

let srv;
let jar;
const clients = [];

before(async () => {
  srv = await idp.startRatsaal({
    config: { anonymous_meetings: 'on', login_rate_per_min: 10000, join_rate_per_min: 10000 },
    users: [{ name: 'erika', password: PW, role: 'user', tenant: 'stadt-a' }],
  });
  jar = new idp.CookieJar();
  const r = await idp.request(`${srv.url}/auth/local/login`, { method: 'POST', body: { username: 'erika', password: PW }, jar });
  assert.equal(r.status, 200, r.text);
});

after(async () => {
  for (const c of clients) c.close();
  if (srv) await srv.stop();
  stopWatchdog();
});

async function socket() {
  const c = idp.wsClient(srv.url);
  clients.push(c);
  await c.opened;
  await c.next((e) => e.event === 'hello');
  return c;
}

test('invisible-only display names are empty, bidi controls are refused; a room sees none of them', async () => {
  const c = await socket();
  const invisible = ['\u200B', '\u200B\u200C\u200D', '\u00A0', '\u3000', '\u3164', '\u3164\u3164\u3164', '\u2060\uFEFF', '\u2800', '\uFFA0'];
  for (const name of invisible) {
    const r = await c.request({ ns: 'control', action: 'join', room: 'hostile-text', display_name: name });
    assert.equal(r.code, 'empty_value', `${JSON.stringify(name)}: ${JSON.stringify(r)}`);
  }
  const bidi = ['Max\u200EMuster', 'Max\u200FMuster', 'Max\u061CMuster', '\u202Eretsum', 'a\u2066b', 'Max\u2028Muster', 'Max\u2029Muster'];
  for (const name of bidi) {
    const r = await c.request({ ns: 'control', action: 'join', room: 'hostile-text', display_name: name });
    assert.equal(r.code, 'invalid_value', `${JSON.stringify(name)}: ${JSON.stringify(r)}`);
  }
  // nobody joined: the first real name is the room's first participant
  const ok = await c.request({ ns: 'control', action: 'join', room: 'hostile-text', display_name: 'Erika\u00A0M.' });
  assert.equal(ok.event, 'joined', JSON.stringify(ok));
  assert.equal(ok.participants.length, 1);
  const chat = await c.request({ ns: 'chat', action: 'send', text: '\u200B\u3000\u3164' });
  assert.equal(chat.code, 'empty_value');
  const chat2 = await c.request({ ns: 'chat', action: 'send', text: 'siehe \u202Efdp.exe' });
  assert.equal(chat2.code, 'invalid_value');
});

test('REST meeting titles: U+202E, U+2028, bidi marks and invisible-only titles refused; 200 characters counted as characters', async () => {
  const post = (title) => idp.request(`${srv.url}/api/v1/meetings`, { method: 'POST', jar, body: { title } });
  for (const title of ['Sitzung \u202Efdp.exe', 'Zeile\u2028zwei', 'A\u2029B', 'Rat\u200F', '\u200B', '\u3164', '\u00A0\u3000']) {
    const r = await post(title);
    assert.equal(r.status, 400, `${JSON.stringify(title)} → ${r.status} ${r.text}`);
    assert.equal(r.json.error.field, 'title');
  }
  const umlauts = 'ä'.repeat(200); // 400 bytes, 200 characters
  const ok = await post(umlauts);
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.json.title, umlauts);
  assert.equal((await post('ä'.repeat(201))).status, 400);
  // PATCH follows the same rule and leaves the title as it was
  const patch = await idp.request(`${srv.url}/api/v1/meetings/${ok.json.id}`, { method: 'PATCH', jar, body: { title: 'x\u202Ey' } });
  assert.equal(patch.status, 400);
  const got = await idp.request(`${srv.url}/api/v1/meetings/${ok.json.id}`, { jar });
  assert.equal(got.json.title, umlauts);
});
