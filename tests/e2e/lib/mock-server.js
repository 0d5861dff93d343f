// SPDX-License-Identifier: EUPL-1.2
'use strict';
// A stand-in for `bin/ratsaal serve` used only to develop and self-check the browser client
// and the e2e harness while the C server is not built (RATSAAL_E2E_SERVER=mock). It follows the
// serving contract (routes, CSP) and docs/protocol.md for control/chat/hand — no media — and a
// simplified version of the identity contract (docs/api.md "Identity, meetings and invitations",
// protocol.md "Identity, lobby and moderation"): sessions, local login, a fake OIDC login that
// signs in a configured user without an identity provider, meetings, invites, lobby, moderation.
// The real tests run against the real binary; this file must never become the reference.

const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; " +
  "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json',
  '.woff2': 'font/woff2', '.wav': 'audio/wav',
};
const ROOM_RE = /^[A-Za-z0-9_-]{1,64}$/;

function wsFrame(opcode, payload) {
  const len = payload.length;
  let head;
  if (len < 126) head = Buffer.from([0x80 | opcode, len]);
  else if (len < 65536) { head = Buffer.alloc(4); head[0] = 0x80 | opcode; head[1] = 126; head.writeUInt16BE(len, 2); }
  else { head = Buffer.alloc(10); head[0] = 0x80 | opcode; head[1] = 127; head.writeBigUInt64BE(BigInt(len), 2); }
  return Buffer.concat([head, payload]);
}

const b64url = (buf) => buf.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** Same-site return path, else '/' (like the server's return-path guard). */
function safeReturn(r) {
  if (typeof r !== 'string' || r[0] !== '/' || r[1] === '/' || r[1] === '\\' || /[\u0000-\u001f\u007f\\]/.test(r)) return '/';
  return r;
}

/**
 * identity: {oidc, local, anonymous_meetings} as GET /api/v1/auth reports them;
 * users: [{username, password, display_name, role, tenant, auth: 'local'|'oidc', email}];
 * oidcUser: username the fake OIDC login signs in (oidcError: code to fail with instead);
 * loginsPerMinute: local login rate limit (all clients together; 10 like the server's per-address limit).
 */
function startMockServer({ webDir, port = 0, host = '127.0.0.1', features = [], identity = {}, users = [], oidcUser = null, oidcError = null, loginsPerMinute = 10 } = {}) {
  const rooms = new Map(); // room → {participants: Map(id → {conn, p}), lobby: Map(id → {conn, w}), chat: [], nextChat}
  const conns = new Set();
  const ident = { oidc: false, local: false, anonymous_meetings: true, ...identity };
  const db = { users: new Map(), sessions: new Map(), meetings: new Map(), invites: new Map(), loginAttempts: [] };
  const addUser = (u) => {
    const user = { id: 'u' + crypto.randomBytes(6).toString('hex'), email: `${u.username}@example.org`, role: 'user', tenant: 'stadt-a', auth: 'local', display_name: u.username, ...u };
    db.users.set(user.id, user);
    return user;
  };
  for (const u of users) addUser(u);
  const userByName = (n) => [...db.users.values()].find((u) => u.username === n) || null;
  const publicUser = (u) => ({ id: u.id, display_name: u.display_name, email: u.email, role: u.role, tenant: u.tenant, auth: u.auth });
  const sessionUser = (req) => {
    const m = /(?:^|;\s*)ratsaal_session=([^;]+)/.exec(req.headers.cookie || '');
    const uid = m ? db.sessions.get(m[1]) : null;
    return uid ? db.users.get(uid) || null : null;
  };
  const newSession = (res, user) => {
    const sid = b64url(crypto.randomBytes(24));
    db.sessions.set(sid, user.id);
    res.setHeader('set-cookie', `ratsaal_session=${sid}; HttpOnly; SameSite=Lax; Path=/`);
  };
  const isMeetingMod = (u, m) => !!u && u.tenant === m.tenant && (u.role === 'admin' || m.owner === u.id || m.moderators.has(u.id));
  const meetingJson = (m, u) => ({
    id: m.id, title: m.title, owner: m.owner, tenant: m.tenant, scheduled_start: m.scheduled_start, scheduled_end: m.scheduled_end,
    lobby: m.lobby, has_password: !!m.password, created_at: m.created_at, url: `/r/${m.id}`, my_role: isMeetingMod(u, m) ? 'moderator' : 'participant',
  });

  async function api(req, res, url, headers) {
    const send = (status, obj) => {
      res.writeHead(status, { ...headers, 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(status === 204 ? '' : JSON.stringify(obj));
    };
    const fail = (status, code, text, field) => send(status, { error: { code, text: text || code, ...(field ? { field } : {}) } });
    const method = req.method;
    let body = {};
    if (!['GET', 'HEAD'].includes(method)) {
      if (!/^application\/json\b/i.test(req.headers['content-type'] || '')) return fail(403, 'csrf', 'Content-Type must be application/json');
      if (req.headers.origin && req.headers.origin !== `http://${req.headers.host}`) return fail(403, 'csrf', 'cross-origin request');
      const chunks = [];
      let n = 0;
      for await (const c of req) { n += c.length; if (n > 65536) return fail(413, 'too_large', 'body too large'); chunks.push(c); }
      const raw = Buffer.concat(chunks).toString('utf8');
      if (raw) { try { body = JSON.parse(raw); } catch { return fail(400, 'invalid_request', 'bad JSON'); } }
      if (!body || typeof body !== 'object' || Array.isArray(body)) return fail(400, 'invalid_request', 'body must be an object');
    }
    const p = url.pathname;
    const me = sessionUser(req);
    if (p === '/api/v1/auth' && method === 'GET') return send(200, { oidc: ident.oidc, local: ident.local, anonymous_meetings: ident.anonymous_meetings });
    if (p === '/auth/local/login' && method === 'POST') {
      if (!ident.local) return fail(404, 'not_found');
      const now = Date.now();
      db.loginAttempts = db.loginAttempts.filter((t) => now - t < 60000);
      if (db.loginAttempts.length >= loginsPerMinute) return fail(429, 'rate_limited', 'too many logins');
      db.loginAttempts.push(now);
      const u = userByName(body.username);
      if (!u || u.auth !== 'local' || u.password !== body.password) return fail(401, 'invalid_credentials', 'wrong username or password');
      newSession(res, u);
      return send(200, { user: publicUser(u) });
    }
    if (p === '/auth/logout' && method === 'POST') {
      const m = /(?:^|;\s*)ratsaal_session=([^;]+)/.exec(req.headers.cookie || '');
      if (m) db.sessions.delete(m[1]);
      res.setHeader('set-cookie', 'ratsaal_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0');
      return send(200, { logout_url: me && me.auth === 'oidc' ? `http://${req.headers.host}/?idp_logged_out=1` : null });
    }
    if (!p.startsWith('/api/v1/')) return fail(404, 'not_found');
    if (p === '/api/v1/me' && method === 'GET') return me ? send(200, { user: publicUser(me) }) : fail(401, 'unauthorized', 'not logged in');
    if (p === '/api/v1/me/password' && method === 'POST') {
      if (!me) return fail(401, 'unauthorized');
      if (me.auth !== 'local') return fail(403, 'forbidden', 'local accounts only');
      if (typeof body.current !== 'string' || typeof body.new !== 'string') return fail(400, 'invalid_request', 'current and new are strings', typeof body.current !== 'string' ? 'current' : 'new');
      if (body.current !== me.password) return fail(401, 'invalid_credentials', 'wrong password');
      if ([...body.new].length < 12) return fail(400, 'weak_password', 'under 12 characters');
      me.password = body.new;
      return send(204);
    }
    const checkFields = (b, create) => {
      if (create || 'title' in b) {
        if (typeof b.title !== 'string' || !b.title.trim() || [...b.title].length > 200) return 'title';
      }
      for (const f of ['scheduled_start', 'scheduled_end']) if (f in b && b[f] !== null && !Number.isInteger(b[f])) return f;
      if ('lobby' in b && typeof b.lobby !== 'boolean') return 'lobby';
      if ('password' in b && b.password !== null && (typeof b.password !== 'string' || [...b.password].length < 4 || [...b.password].length > 64)) return 'password';
      return null;
    };
    if (p === '/api/v1/meetings') {
      if (method === 'POST') {
        if (!me && !ident.anonymous_meetings) return fail(401, 'unauthorized');
        const bad = checkFields(body, true);
        if (bad) return fail(400, 'invalid_request', `bad ${bad}`, bad);
        const s0 = body.scheduled_start ?? null;
        const e0 = body.scheduled_end ?? null;
        if (s0 !== null && e0 !== null && e0 <= s0) return fail(400, 'invalid_request', 'end before start', 'scheduled_end');
        const m = { id: b64url(crypto.randomBytes(16)), title: body.title.trim(), owner: me ? me.id : null, tenant: me ? me.tenant : 'stadt-a', scheduled_start: s0, scheduled_end: e0,
          lobby: body.lobby !== false, password: body.password || null, created_at: Date.now(), moderators: new Set() };
        db.meetings.set(m.id, m);
        return send(201, meetingJson(m, me));
      }
      if (method === 'GET') {
        if (!me) return fail(401, 'unauthorized');
        const list = [...db.meetings.values()].filter((m) => m.tenant === me.tenant && (me.role === 'admin' || m.owner === me.id || m.moderators.has(me.id)));
        return send(200, { meetings: list.map((m) => meetingJson(m, me)) });
      }
      return fail(405, 'method_not_allowed');
    }
    const mm = /^\/api\/v1\/meetings\/([A-Za-z0-9_-]+)(\/invites(?:\/([A-Za-z0-9_-]+))?|\/moderators\/([A-Za-z0-9_-]+))?$/.exec(p);
    if (!mm) return fail(404, 'not_found');
    if (!me) return fail(401, 'unauthorized');
    const m = db.meetings.get(mm[1]);
    if (!m || m.tenant !== me.tenant) return fail(404, 'not_found', 'no such meeting');
    const owner = me.role === 'admin' || m.owner === me.id;
    if (!mm[2]) {
      if (method === 'GET') return send(200, meetingJson(m, me));
      if (method === 'PATCH') {
        if (!isMeetingMod(me, m)) return fail(403, 'forbidden', 'meeting moderators only');
        const bad = checkFields(body, false);
        if (bad) return fail(400, 'invalid_request', `bad ${bad}`, bad);
        const s0 = 'scheduled_start' in body ? body.scheduled_start : m.scheduled_start;
        const e0 = 'scheduled_end' in body ? body.scheduled_end : m.scheduled_end;
        if (s0 !== null && e0 !== null && e0 <= s0) return fail(400, 'invalid_request', 'end before start', 'scheduled_end');
        if ('title' in body) m.title = body.title.trim();
        m.scheduled_start = s0;
        m.scheduled_end = e0;
        if ('lobby' in body) m.lobby = body.lobby;
        if ('password' in body) m.password = body.password;
        return send(200, meetingJson(m, me));
      }
      if (method === 'DELETE') {
        if (!owner) return fail(403, 'forbidden', 'owner or admin only');
        db.meetings.delete(m.id);
        for (const [id, inv] of db.invites) if (inv.meeting === m.id) db.invites.delete(id);
        for (const c of [...conns]) if (c.room === m.id || c.waitRoom === m.id) c.socket.destroy();
        return send(204);
      }
      return fail(405, 'method_not_allowed');
    }
    if (mm[4]) {
      if (!owner) return fail(403, 'forbidden', 'owner or admin only');
      if (!db.users.has(mm[4])) return fail(404, 'not_found', 'no such user');
      if (method === 'PUT') m.moderators.add(mm[4]);
      else if (method === 'DELETE') m.moderators.delete(mm[4]);
      else return fail(405, 'method_not_allowed');
      return send(204);
    }
    if (!isMeetingMod(me, m)) return fail(403, 'forbidden', 'meeting moderators only');
    if (!mm[3]) {
      if (method === 'GET') {
        const list = [...db.invites.values()].filter((i) => i.meeting === m.id)
          .map((i) => ({ id: i.id, role: i.role, expires_at: i.expires_at, created_at: i.created_at, revoked: i.revoked, uses: i.uses }));
        return send(200, { invites: list });
      }
      if (method === 'POST') {
        if (!['guest', 'participant', 'moderator'].includes(body.role)) return fail(400, 'invalid_request', 'bad role', 'role');
        const exp = body.expires_in_s === undefined ? 604800 : body.expires_in_s;
        if (!Number.isInteger(exp) || exp < 60 || exp > 7776000) return fail(400, 'invalid_request', 'bad expires_in_s', 'expires_in_s');
        const token = b64url(crypto.randomBytes(32));
        const inv = { id: 'i' + crypto.randomBytes(6).toString('hex'), meeting: m.id, role: body.role, expires_at: Date.now() + exp * 1000, created_at: Date.now(), revoked: false, uses: 0, token };
        db.invites.set(inv.id, inv);
        return send(201, { id: inv.id, role: inv.role, expires_at: inv.expires_at, token, url: `/r/${m.id}?invite=${token}` });
      }
      return fail(405, 'method_not_allowed');
    }
    const inv = db.invites.get(mm[3]);
    if (!inv || inv.meeting !== m.id) return fail(404, 'not_found', 'no such invite');
    if (method !== 'DELETE') return fail(405, 'method_not_allowed');
    inv.revoked = true;
    return send(204);
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let file;
    if (url.pathname === '/healthz') { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('ok\n'); return; }
    const secHeaders = { 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };
    if (url.pathname.startsWith('/api/') || url.pathname === '/auth/local/login' || url.pathname === '/auth/logout') {
      api(req, res, url, secHeaders).catch((e) => { res.writeHead(500); res.end(String(e)); });
      return;
    }
    if (url.pathname === '/auth/oidc/login') {
      // fake identity provider round trip: sign in oidcUser and come back, or fail like a bad callback
      const u = oidcUser ? userByName(oidcUser) : null;
      if (oidcError || !ident.oidc || !u) { res.writeHead(302, { ...secHeaders, location: `/login?error=${oidcError || 'idp_error'}` }); res.end(); return; }
      newSession(res, u);
      res.writeHead(302, { ...secHeaders, location: safeReturn(url.searchParams.get('return')) });
      res.end();
      return;
    }
    if (url.pathname === '/') file = 'index.html';
    else if (url.pathname === '/login') file = 'login.html';
    else if (url.pathname === '/meetings') file = 'meetings.html';
    else if (/^\/r\/[^/]+\/?$/.test(url.pathname)) file = 'room.html';
    else file = decodeURIComponent(url.pathname).replace(/^\/+/, '');
    const full = path.resolve(webDir, file);
    const headers = { 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };
    if (!full.startsWith(path.resolve(webDir) + path.sep) || !fs.existsSync(full) || !fs.statSync(full).isFile()) {
      res.writeHead(404, { ...headers, 'content-type': 'text/plain' }); res.end('not found\n'); return;
    }
    res.writeHead(200, { ...headers, 'content-type': TYPES[path.extname(full)] || 'application/octet-stream', 'cache-control': 'no-cache' });
    fs.createReadStream(full).pipe(res);
  });

  server.on('upgrade', (req, socket) => {
    if (new URL(req.url, 'http://x').pathname !== '/signaling') { socket.destroy(); return; }
    const key = req.headers['sec-websocket-key'];
    const accept = crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    // the WebSocket carries the page's session cookie
    const conn = { socket, room: null, id: null, buf: Buffer.alloc(0), closed: false, user: sessionUser(req), waitRoom: null, waitId: null };
    conns.add(conn);
    const send = (obj) => { if (!conn.closed) socket.write(wsFrame(1, Buffer.from(JSON.stringify(obj)))); };
    conn.send = send;
    const err = (ns, code, text, ref, field) => send({ ns, event: 'error', code, text, ...(field ? { field } : {}), ...(ref !== undefined ? { ref } : {}) });
    const broadcast = (room, obj, except) => {
      for (const { conn: c } of room.participants.values()) if (c !== except) c.send(obj);
    };
    const toModerators = (room, obj) => {
      for (const { conn: c, p } of room.participants.values()) if (p.role === 'moderator') c.send(obj);
    };
    const getRoom = (id) => {
      let rm = rooms.get(id);
      if (!rm) { rm = { participants: new Map(), lobby: new Map(), chat: [], nextChat: 1 }; rooms.set(id, rm); }
      return rm;
    };
    const dropRoomIfEmpty = (id) => {
      const rm = rooms.get(id);
      if (rm && rm.participants.size === 0 && rm.lobby.size === 0) rooms.delete(id);
    };
    const leaveRoom = (reason) => {
      if (conn.waitRoom) {
        const rm = rooms.get(conn.waitRoom);
        if (rm && rm.lobby.delete(conn.waitId)) toModerators(rm, { ns: 'lobby', event: 'left', id: conn.waitId, reason: 'gone' });
        const id = conn.waitRoom;
        conn.waitRoom = null; conn.waitId = null;
        dropRoomIfEmpty(id);
      }
      if (!conn.room) return;
      const room = rooms.get(conn.room);
      room.participants.delete(conn.id);
      broadcast(room, { ns: 'control', event: 'participant_left', id: conn.id, reason });
      const id = conn.room;
      conn.room = null; conn.id = null;
      dropRoomIfEmpty(id);
    };
    conn.leaveRoom = leaveRoom;
    /** Put c (admitted or direct) into the room and send joined. */
    const enterRoom = (c, roomId, id, p, ref) => {
      const rm = getRoom(roomId);
      rm.participants.set(id, { conn: c, p });
      c.room = roomId; c.id = id; c.waitRoom = null; c.waitId = null;
      const m = db.meetings.get(roomId);
      const joined = { ns: 'control', event: 'joined', room: roomId, id, participants: [...rm.participants.values()].map((x) => x.p),
        chat: rm.chat.slice(-50), room_settings: { title: m ? m.title : '', max_participants: 100, lobby: !!(m && m.lobby), managed: !!m }, ice_servers: [] };
      // room_settings.lobby / .managed: not in docs/protocol.md yet, but the real server sends them
      if (m && p.role === 'moderator') joined.lobby = [...rm.lobby.values()].map((x) => x.w);
      if (ref !== undefined) joined.ref = ref;
      c.send(joined);
      for (const { conn: o } of rm.participants.values()) if (o !== c) o.send({ ns: 'control', event: 'participant_joined', participant: p });
    };
    const admit = (rm, roomId, wid) => {
      const x = rm.lobby.get(wid);
      if (!x) return false;
      rm.lobby.delete(wid);
      toModerators(rm, { ns: 'lobby', event: 'left', id: wid, reason: 'admitted' });
      enterRoom(x.conn, roomId, wid, x.p);
      return true;
    };
    send({ ns: 'control', event: 'hello', protocol: 1, server: 'ratsaal-mock 0.0.0', features,
      limits: { frame_bytes: 16384, display_name_chars: 64, chat_chars: 2000, rate_per_s: 20 } });

    const onMessage = (text) => {
      let msg;
      try { msg = JSON.parse(text); } catch { err('control', 'invalid_json', 'invalid JSON'); return; }
      if (!msg || typeof msg !== 'object' || Array.isArray(msg)) { err('control', 'not_object', 'not an object'); return; }
      const { ns, action, ref } = msg;
      const r = ref;
      if (typeof ns !== 'string') return err('control', 'missing_field', 'ns missing', r, 'ns');
      if (typeof action !== 'string') return err(ns, 'missing_field', 'action missing', r, 'action');
      const room = conn.room ? rooms.get(conn.room) : null;
      const key = `${ns}/${action}`;
      if (key === 'control/join') {
        if (conn.room || conn.waitRoom) return err(ns, 'already_joined', 'already joined', r);
        if (typeof msg.room !== 'string' || !ROOM_RE.test(msg.room)) return err(ns, 'invalid_room', 'invalid room', r, 'room');
        const u = conn.user;
        let name = typeof msg.display_name === 'string' ? msg.display_name.trim() : '';
        if (!name && u) name = u.display_name;
        if (!name) return err(ns, 'empty_value', 'display_name is empty', r, 'display_name');
        if ([...name].length > 64) return err(ns, 'too_long', 'display_name too long', r, 'display_name');
        const m = db.meetings.get(msg.room);
        const id = 'p' + crypto.randomBytes(4).toString('hex');
        if (!m) {
          if (!ident.anonymous_meetings) return err(ns, 'not_found', 'no such meeting', r);
          // an open server: any room id opens a room, the first one in moderates
          const rm = getRoom(msg.room);
          const p = { id, display_name: name, role: rm.participants.size === 0 ? 'moderator' : 'participant', hand_raised: false, joined_at: Date.now(), ...(u ? { account: true } : {}) };
          return enterRoom(conn, msg.room, id, p, r);
        }
        let role;
        let inv = null;
        if (msg.invite !== undefined) {
          if (typeof msg.invite !== 'string') return err(ns, 'invalid_type', 'invite must be a string', r, 'invite');
          inv = [...db.invites.values()].find((i) => i.token === msg.invite) || null;
          if (!inv || inv.meeting !== m.id || inv.revoked || inv.expires_at <= Date.now()) return err(ns, 'invalid_invite', 'invitation unknown, expired or revoked', r, 'invite');
        }
        if (u) {
          if (u.tenant !== m.tenant) return err(ns, 'forbidden', 'another tenant', r);
          role = isMeetingMod(u, m) ? 'moderator' : 'participant';
          if (inv && inv.role === 'moderator') role = 'moderator';
        } else {
          if (!inv) return err(ns, 'unauthorized', 'an invitation is needed', r);
          role = inv.role;
        }
        if (m.password && role !== 'moderator') {
          if (typeof msg.password !== 'string' || !msg.password) return err(ns, 'password_required', 'this meeting has a password', r, 'password');
          if (msg.password !== m.password) return err(ns, 'wrong_password', 'wrong password', r, 'password');
        }
        if (inv) inv.uses++;
        const p = { id, display_name: name, role, hand_raised: false, joined_at: Date.now(), ...(u ? { account: true } : {}) };
        const waits = m.lobby && (role === 'guest' || (role === 'participant' && !u));
        if (waits) {
          const rm = getRoom(m.id);
          const w = { id, display_name: name, waiting_since: Date.now() };
          rm.lobby.set(id, { conn, w, p });
          conn.waitRoom = m.id; conn.waitId = id;
          send({ ns: 'lobby', event: 'waiting', id, room: m.id, title: m.title, ...(r !== undefined ? { ref: r } : {}) });
          toModerators(rm, { ns: 'lobby', event: 'entered', participant: w });
          return;
        }
        return enterRoom(conn, m.id, id, p, r);
      }
      if (key === 'control/ping') return send({ ns: 'control', event: 'pong', ts: Date.now(), ref: r });
      if (conn.waitRoom) {
        if (key === 'control/leave') { leaveRoom('left'); send({ ns: 'control', event: 'left', ref: r }); return; }
        return err(ns, 'not_joined', 'waiting in the lobby', r);
      }
      // with "media" advertised the mock accepts media messages and answers none (no SFU here);
      // track_state is relayed so the UI's mute indicators can be exercised
      if (ns === 'media' && features.includes('media')) {
        if (action === 'track_state' && room) {
          broadcast(room, { ns: 'media', event: 'track_state', participant: conn.id, source: msg.source, muted: !!msg.muted });
        }
        return;
      }
      const MOD = ['lobby/admit', 'lobby/reject', 'lobby/admit_all', 'moderation/set_lobby', 'moderation/set_role'];
      if (![...MOD, 'control/leave', 'chat/send', 'hand/raise', 'hand/lower'].includes(key)) {
        if (!['control', 'chat', 'hand', 'media', 'lobby', 'moderation'].includes(ns)) return err('control', 'unknown_ns', 'unknown namespace', r, 'ns');
        return err(ns, 'unknown_action', 'unknown action', r, 'action');
      }
      if (!room) return err(ns, 'not_joined', 'not in a room', r);
      const me = room.participants.get(conn.id).p;
      if (MOD.includes(key)) {
        const m = db.meetings.get(conn.room);
        if (me.role !== 'moderator' || !m) return err(ns, 'forbidden', 'meeting moderators only', r);
        if (key === 'lobby/admit' || key === 'lobby/reject') {
          if (typeof msg.id !== 'string') return err(ns, 'missing_field', 'id missing', r, 'id');
          if (!room.lobby.has(msg.id)) return err(ns, 'invalid_value', 'nobody with this id is waiting', r, 'id');
          if (key === 'lobby/admit') return void admit(room, conn.room, msg.id);
          const x = room.lobby.get(msg.id);
          room.lobby.delete(msg.id);
          x.conn.waitRoom = null; x.conn.waitId = null;
          x.conn.send({ ns: 'lobby', event: 'rejected' });
          toModerators(room, { ns: 'lobby', event: 'left', id: msg.id, reason: 'rejected' });
          return;
        }
        if (key === 'lobby/admit_all') { for (const id of [...room.lobby.keys()]) admit(room, conn.room, id); return; }
        if (key === 'moderation/set_lobby') {
          if (typeof msg.enabled !== 'boolean') return err(ns, 'invalid_type', 'enabled must be a boolean', r, 'enabled');
          m.lobby = msg.enabled;
          if (!m.lobby) for (const id of [...room.lobby.keys()]) admit(room, conn.room, id);
          broadcast(room, { ns: 'moderation', event: 'lobby_changed', enabled: m.lobby });
          return;
        }
        // set_role: owner or admin only, for logged-in participants
        const u = conn.user;
        if (!u || !(u.role === 'admin' || m.owner === u.id)) return err(ns, 'forbidden', 'owner or admin only', r);
        const target = room.participants.get(msg.id);
        if (!target || !target.conn.user || !['moderator', 'participant'].includes(msg.role)) return err(ns, 'invalid_value', 'bad id or role', r, target ? 'role' : 'id');
        if (msg.role === 'moderator') m.moderators.add(target.conn.user.id); else m.moderators.delete(target.conn.user.id);
        target.p.role = msg.role;
        broadcast(room, { ns: 'control', event: 'participant_updated', participant: target.p });
        // a new moderator sees who is waiting
        if (msg.role === 'moderator') for (const x of room.lobby.values()) target.conn.send({ ns: 'lobby', event: 'entered', participant: x.w });
        return;
      }
      if (key === 'control/leave') { leaveRoom('left'); send({ ns: 'control', event: 'left', ref: r }); return; }
      if (key === 'chat/send') {
        if (typeof msg.text !== 'string') return err(ns, 'invalid_type', 'text must be a string', r, 'text');
        if (!msg.text.trim()) return err(ns, 'empty_value', 'text is empty', r, 'text');
        if ([...msg.text].length > 2000) return err(ns, 'too_long', 'text is longer than 2000 characters', r, 'text');
        const cm = { ns: 'chat', event: 'message', id: room.nextChat++, from: conn.id, display_name: me.display_name, text: msg.text, ts: Date.now() };
        room.chat.push({ id: cm.id, from: cm.from, display_name: cm.display_name, text: cm.text, ts: cm.ts });
        if (room.chat.length > 50) room.chat.shift();
        broadcast(room, cm);
        return;
      }
      if (key === 'hand/raise' && !me.hand_raised) { me.hand_raised = true; broadcast(room, { ns: 'hand', event: 'raised', id: conn.id, ts: Date.now() }); }
      if (key === 'hand/lower' && me.hand_raised) { me.hand_raised = false; broadcast(room, { ns: 'hand', event: 'lowered', id: conn.id }); }
    };

    socket.on('data', (chunk) => {
      conn.buf = Buffer.concat([conn.buf, chunk]);
      for (;;) {
        const b = conn.buf;
        if (b.length < 2) return;
        const opcode = b[0] & 0x0f;
        let len = b[1] & 0x7f;
        let off = 2;
        if (len === 126) { if (b.length < 4) return; len = b.readUInt16BE(2); off = 4; }
        else if (len === 127) { if (b.length < 10) return; len = Number(b.readBigUInt64BE(2)); off = 10; }
        const masked = b[1] & 0x80;
        const maskOff = off;
        if (masked) off += 4;
        if (b.length < off + len) return;
        const payload = Buffer.from(b.subarray(off, off + len));
        if (masked) for (let i = 0; i < len; i++) payload[i] ^= b[maskOff + (i % 4)];
        conn.buf = b.subarray(off + len);
        if (opcode === 1) onMessage(payload.toString('utf8'));
        else if (opcode === 8) { socket.end(wsFrame(8, Buffer.from([0x03, 0xe8]))); conn.closed = true; }
        else if (opcode === 9) socket.write(wsFrame(10, payload));
      }
    });
    const gone = () => { if (conns.has(conn)) { conns.delete(conn); conn.closed = true; leaveRoom('disconnected'); } };
    socket.on('close', gone);
    socket.on('error', gone);
  });

  return new Promise((resolve) => {
    server.listen(port, host, () => {
      const addr = server.address();
      resolve({
        port: addr.port,
        url: `http://${host}:${addr.port}`,
        /** Like the real server's SIGTERM: control/shutdown to everyone, close 1001. */
        async stop() {
          for (const c of [...conns]) {
            c.send({ ns: 'control', event: 'shutdown', text: 'server is shutting down' });
            c.socket.end(wsFrame(8, Buffer.from([0x03, 0xe9])));
          }
          await new Promise((r) => { server.close(() => r()); for (const c of conns) c.socket.destroy(); });
          return 0;
        },
        /** Drop every WebSocket without a close frame (tests the client's reconnect). */
        dropAll() { for (const c of [...conns]) c.socket.destroy(); },
        /** The identity store (users, sessions, meetings, invites) for tests to inspect or seed. */
        db,
        addUser,
        identity: ident,
      });
    });
  });
}

module.exports = { startMockServer };

if (require.main === module) {
  const port = Number(process.argv[2] || 8099);
  const features = (process.env.MOCK_FEATURES || '').split(',').filter(Boolean);
  // MOCK_IDENTITY=1: local + fake OIDC logins, anonymous meetings off, users "admin", "erika"
  // (password "correct horse battery"), OIDC user "oidc-max"
  const demo = process.env.MOCK_IDENTITY === '1';
  const opts = demo ? {
    identity: { oidc: true, local: true, anonymous_meetings: false },
    users: [
      { username: 'admin', password: 'correct horse battery', display_name: 'Ada Admin', role: 'admin' },
      { username: 'erika', password: 'correct horse battery', display_name: 'Erika Mustermann', role: 'moderator' },
      { username: 'oidc-max', display_name: 'Max Muster', role: 'user', auth: 'oidc' },
    ],
    oidcUser: 'oidc-max',
  } : {};
  startMockServer({ webDir: path.resolve(__dirname, '../../../web'), port, features, ...opts }).then((s) => console.log('mock on', s.url));
}
