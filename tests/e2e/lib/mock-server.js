'use strict';
// A stand-in for `bin/ratsaal serve` used only to develop and self-check the browser client
// and the e2e harness while the C server is not built (RATSAAL_E2E_SERVER=mock). It follows the
// serving contract (routes, CSP) and docs/protocol.md for control/chat/hand — no media. The real
// tests run against the real binary; this file must never become the reference.

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

function startMockServer({ webDir, port = 0, host = '127.0.0.1', features = [] } = {}) {
  const rooms = new Map(); // room → {participants: Map(id → {conn, p}), chat: [], nextChat}
  const conns = new Set();

  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let file;
    if (url.pathname === '/healthz') { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('ok\n'); return; }
    if (url.pathname === '/') file = 'index.html';
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
    const conn = { socket, room: null, id: null, buf: Buffer.alloc(0), closed: false };
    conns.add(conn);
    const send = (obj) => { if (!conn.closed) socket.write(wsFrame(1, Buffer.from(JSON.stringify(obj)))); };
    conn.send = send;
    const err = (ns, code, text, ref, field) => send({ ns, event: 'error', code, text, ...(field ? { field } : {}), ...(ref !== undefined ? { ref } : {}) });
    const broadcast = (room, obj, except) => {
      for (const { conn: c } of room.participants.values()) if (c !== except) c.send(obj);
    };
    const leaveRoom = (reason) => {
      if (!conn.room) return;
      const room = rooms.get(conn.room);
      room.participants.delete(conn.id);
      broadcast(room, { ns: 'control', event: 'participant_left', id: conn.id, reason });
      if (room.participants.size === 0) rooms.delete(conn.room);
      conn.room = null; conn.id = null;
    };
    conn.leaveRoom = leaveRoom;
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
        if (conn.room) return err(ns, 'already_joined', 'already joined', r);
        if (typeof msg.room !== 'string' || !ROOM_RE.test(msg.room)) return err(ns, 'invalid_room', 'invalid room', r, 'room');
        const name = typeof msg.display_name === 'string' ? msg.display_name.trim() : '';
        if (!name) return err(ns, 'empty_value', 'display_name is empty', r, 'display_name');
        if ([...name].length > 64) return err(ns, 'too_long', 'display_name too long', r, 'display_name');
        let rm = rooms.get(msg.room);
        if (!rm) { rm = { participants: new Map(), chat: [], nextChat: 1 }; rooms.set(msg.room, rm); }
        const id = 'p' + crypto.randomBytes(4).toString('hex');
        const p = { id, display_name: name, role: rm.participants.size === 0 ? 'moderator' : 'participant', hand_raised: false, joined_at: Date.now() };
        rm.participants.set(id, { conn, p });
        conn.room = msg.room; conn.id = id;
        send({ ns: 'control', event: 'joined', room: msg.room, id, participants: [...rm.participants.values()].map((x) => x.p),
          chat: rm.chat.slice(-50), room_settings: { title: '', max_participants: 100 }, ice_servers: [], ref: r });
        broadcast(rm, { ns: 'control', event: 'participant_joined', participant: p }, conn);
        return;
      }
      if (key === 'control/ping') return send({ ns: 'control', event: 'pong', ts: Date.now(), ref: r });
      // with "media" advertised the mock accepts media messages and answers none (no SFU here);
      // track_state is relayed so the UI's mute indicators can be exercised
      if (ns === 'media' && features.includes('media')) {
        if (action === 'track_state' && room) {
          broadcast(room, { ns: 'media', event: 'track_state', participant: conn.id, source: msg.source, muted: !!msg.muted });
        }
        return;
      }
      if (!['control/leave', 'chat/send', 'hand/raise', 'hand/lower'].includes(key)) {
        if (!['control', 'chat', 'hand', 'media'].includes(ns)) return err('control', 'unknown_ns', 'unknown namespace', r, 'ns');
        return err(ns, 'unknown_action', 'unknown action', r, 'action');
      }
      if (!room) return err(ns, 'not_joined', 'not in a room', r);
      const me = room.participants.get(conn.id).p;
      if (key === 'control/leave') { leaveRoom('left'); send({ ns: 'control', event: 'left', ref: r }); return; }
      if (key === 'chat/send') {
        if (typeof msg.text !== 'string') return err(ns, 'invalid_type', 'text must be a string', r, 'text');
        if (!msg.text.trim()) return err(ns, 'empty_value', 'text is empty', r, 'text');
        if ([...msg.text].length > 2000) return err(ns, 'too_long', 'text is longer than 2000 characters', r, 'text');
        const m = { ns: 'chat', event: 'message', id: room.nextChat++, from: conn.id, display_name: me.display_name, text: msg.text, ts: Date.now() };
        room.chat.push({ id: m.id, from: m.from, display_name: m.display_name, text: m.text, ts: m.ts });
        if (room.chat.length > 50) room.chat.shift();
        broadcast(room, m);
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
      });
    });
  });
}

module.exports = { startMockServer };

if (require.main === module) {
  const port = Number(process.argv[2] || 8099);
  const features = (process.env.MOCK_FEATURES || '').split(',').filter(Boolean);
  startMockServer({ webDir: path.resolve(__dirname, '../../../web'), port, features }).then((s) => console.log('mock on', s.url));
}
