// SPDX-License-Identifier: EUPL-1.2
// The web client's signaling socket in a cluster (web/js/signaling.js), without a browser: a
// fake WebSocket records where the page connects. After `moved` the page talks to the node it
// was sent to; when that node dies (its path answers nothing the page can open), the page goes
// back to its own origin (the load balancer) after two failed attempts and says so
// ("fallback"), so that it can resume on the node that took the meeting over; a blip of the
// moved-to node itself (one failed attempt, then a hello) keeps it there.
import { test } from 'node:test';
import assert from 'node:assert/strict';

const opened = [];
class FakeWebSocket extends EventTarget {
  static OPEN = 1;
  static CONNECTING = 0;
  constructor(url) {
    super();
    this.url = url;
    this.readyState = 0;
    opened.push(this);
  }
  send() {}
  close() {}
  // the server answers: open, then control/hello
  accept() {
    this.readyState = 1;
    this.dispatchEvent(new Event('open'));
    const ev = new Event('message');
    ev.data = JSON.stringify({ ns: 'control', event: 'hello', features: [] });
    this.dispatchEvent(ev);
  }
  // the connection fails before it opened (the node is gone: 502 from the load balancer)
  refuse() {
    this.readyState = 3;
    const ev = new Event('close');
    ev.code = 1006;
    ev.reason = '';
    this.dispatchEvent(ev);
  }
}
globalThis.WebSocket = FakeWebSocket;
globalThis.location = { protocol: 'https:', host: 'meet.example.org' };

const { Signaling } = await import('../../web/js/signaling.js');
const tick = () => new Promise((r) => setTimeout(r, 0));
const last = () => opened[opened.length - 1];

async function connected(sig) {
  sig.connect();
  last().accept();
  await tick();
  sig.resumable = true; // a resume token is held: short backoff
}

test('a dead moved-to node: back to the origin after two failed attempts', async () => {
  const sig = new Signaling({ backoff: [1, 1, 1] });
  let fellBack = 0;
  sig.addEventListener('fallback', () => fellBack++);
  await connected(sig);
  assert.equal(last().url, 'wss://meet.example.org/signaling');
  sig.moveTo('https://meet.example.org/n/b');
  assert.equal(last().url, 'wss://meet.example.org/n/b/signaling');
  last().accept();
  await tick();
  // b dies: the open socket drops, the reconnects to b's path fail
  last().refuse();
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(last().url, 'wss://meet.example.org/n/b/signaling', 'first retry: the same node');
  last().refuse();
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(last().url, 'wss://meet.example.org/n/b/signaling', 'second retry: the same node');
  last().refuse();
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(last().url, 'wss://meet.example.org/signaling', 'then the origin');
  assert.equal(fellBack, 1);
  last().accept();
  await tick();
  assert.equal(sig.state, 'open');
  sig.close();
});

test('a blip of the moved-to node: it stays there', async () => {
  const sig = new Signaling({ backoff: [1, 1, 1] });
  let fellBack = 0;
  sig.addEventListener('fallback', () => fellBack++);
  await connected(sig);
  sig.moveTo('https://meet.example.org/n/c');
  last().accept();
  await tick();
  for (let i = 0; i < 3; i++) {
    last().refuse(); // the open socket drops
    await new Promise((r) => setTimeout(r, 30));
    last().refuse(); // one attempt fails
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(last().url, 'wss://meet.example.org/n/c/signaling');
    last().accept(); // and the next gets a hello: the count starts again
    await tick();
  }
  assert.equal(fellBack, 0);
  sig.close();
});

test('at the origin, failures never switch anywhere', async () => {
  const sig = new Signaling({ backoff: [1, 1, 1] });
  let fellBack = 0;
  sig.addEventListener('fallback', () => fellBack++);
  await connected(sig);
  for (let i = 0; i < 4; i++) {
    last().refuse();
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(last().url, 'wss://meet.example.org/signaling');
  }
  assert.equal(fellBack, 0);
  sig.close();
});
