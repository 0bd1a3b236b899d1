import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import WebSocket from 'ws';
import { resolveLimits } from './resolve-options.js';
import type { RunningServer } from './server.js';
import { type Json, makeStore, serve } from './test-support/fixtures.js';
import {
  type BodyCase,
  bodyCases,
  fuzzCases,
  type HttpCase,
  httpOnlyCases,
} from './test-support/malformed-corpus.js';
import { TestWs } from './test-support/ws-client.js';

const limits = resolveLimits({
  maxTextChars: 2000,
  maxBatchTexts: 50,
  maxBodyBytes: 64 * 1024,
  wsMaxMessageBytes: 64 * 1024,
  wsMaxFrameBytes: 256 * 1024,
});

const SERVE_CODE = /^SERVE_[A-Z0-9_]+$/;

async function sendHttp(
  server: RunningServer,
  c: HttpCase,
): Promise<{ status: number; body: Json }> {
  const headers: Record<string, string> = {};
  if (c.contentType !== null) headers['content-type'] = c.contentType ?? 'application/json';
  const res = await fetch(`${server.url}${c.path ?? '/v1/models/sentiment/predict'}`, {
    method: c.method ?? 'POST',
    headers,
    body: typeof c.body === 'string' && c.contentType !== null ? c.body : Buffer.from(c.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // asserted below
  }
  return { status: res.status, body };
}

function checkAnswer(name: string, status: number, body: Json, expect: string | null): void {
  if (expect === null && status === 200) return;
  assert.ok(status >= 400 && status < 500, `${name}: status ${status} ${JSON.stringify(body)}`);
  assert.equal(
    typeof body?.error?.code,
    'string',
    `${name}: no error code in ${JSON.stringify(body)}`,
  );
  assert.match(body.error.code, SERVE_CODE, name);
  assert.ok(body.error.message.length > 0, name);
  if (expect !== null) assert.equal(body.error.code, expect, `${name}: ${body.error.message}`);
}

/** Keep a well-behaved REST + WebSocket client busy; every answer must be right. */
function goodClients(server: RunningServer): { stop: () => Promise<number> } {
  let running = true;
  let ok = 0;
  const rest = (async () => {
    while (running) {
      const res = await fetch(`${server.url}/v1/models/sentiment/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'love it, great value' }),
      });
      const body = (await res.json()) as { label?: string };
      assert.equal(res.status, 200);
      assert.equal(body.label, 'positive');
      ok++;
    }
  })();
  const ws = (async () => {
    const c = await TestWs.open(server.url);
    let i = 0;
    while (running) {
      const a = await c.ask({
        id: `good${i++}`,
        model: 'sentiment',
        text: 'terrible, broke at once',
      });
      assert.equal(a.label, 'negative');
      ok++;
    }
    c.close();
  })();
  return {
    stop: async () => {
      running = false;
      await Promise.all([rest, ws]);
      return ok;
    },
  };
}

test('a generated corpus of ≥1,000 malformed requests and frames gets 4xx / error messages with codes', async (t) => {
  const store = await makeStore(t, 'sentiment', 1);
  const server = await serve(t, store, { limits });
  const good = goodClients(server);

  // REST: hand-written cases, HTTP-only cases and fuzzed bodies, 8 at a time.
  const httpCases: HttpCase[] = [
    ...bodyCases(limits),
    ...httpOnlyCases(limits),
    ...fuzzCases(400, 42),
  ];
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < httpCases.length) {
        const c = httpCases[next++] as HttpCase;
        const { status, body } = await sendHttp(server, c);
        checkAnswer(`HTTP ${c.name}`, status, body, c.expect);
      }
    }),
  );

  // WebSocket: the same bodies in an envelope, as text and binary frames, on one connection
  // that must survive all of them.
  const ws = await TestWs.open(server.url);
  const wsCases: Array<BodyCase & { binary: boolean; raw?: boolean }> = [];
  for (const c of [...bodyCases(limits), ...fuzzCases(400, 7)]) {
    wsCases.push({ ...c, binary: false });
  }
  let n = 0;
  for (const c of wsCases) {
    // Wrap: {"id":n,"model":"sentiment", <body fields>} when the body is a JSON object, else raw.
    const bytes = typeof c.body === 'string' ? Buffer.from(c.body) : Buffer.from(c.body);
    const s = bytes.toString('latin1');
    const wrapped =
      s.startsWith('{') && s.length > 1
        ? Buffer.concat([Buffer.from(`{"id":${n},"model":"sentiment",`), bytes.subarray(1)])
        : bytes;
    const before = ws.answers.length;
    const answered = ws.waitFor(() => ws.answers.length > before);
    ws.ws.send(wrapped, { binary: n % 3 === 0 });
    const a = await answered;
    const err = a.error as { code?: string; message?: string } | undefined;
    if (c.expect === null && err === undefined) {
      n++;
      continue;
    }
    assert.ok(err !== undefined, `WS ${c.name}: expected an error, got ${JSON.stringify(a)}`);
    assert.match(String(err.code), SERVE_CODE, `WS ${c.name}`);
    const empty = s === '{}' || s.startsWith('{"') === false;
    if (c.expect !== null && !(c.expect === 'SERVE_INVALID_REQUEST' && empty)) {
      // {} wrapped becomes {"id":n,"model":"sentiment",} (invalid JSON): either code is right.
      if (!(s === '{}' && err.code === 'SERVE_INVALID_JSON')) {
        assert.equal(err.code, c.expect, `WS ${c.name}: ${err.message}`);
      }
    }
    n++;
  }
  // Envelope errors.
  const envelope: Array<[unknown, string]> = [
    [{ model: 'sentiment', text: 'no id' }, 'SERVE_INVALID_REQUEST'],
    [{ id: {}, model: 'sentiment', text: 'bad id' }, 'SERVE_INVALID_REQUEST'],
    [{ id: '', model: 'sentiment', text: 'empty id' }, 'SERVE_INVALID_REQUEST'],
    [{ id: 'x'.repeat(129), model: 'sentiment', text: 'long id' }, 'SERVE_INVALID_REQUEST'],
    [{ id: 1, text: 'no model' }, 'SERVE_INVALID_REQUEST'],
    [{ id: 1, model: 5, text: 'model type' }, 'SERVE_INVALID_REQUEST'],
    [{ id: 1, model: 'nope', text: 'unknown' }, 'SERVE_MODEL_NOT_FOUND'],
    [{ id: 1, model: 'sentiment', type: 'subscribe' }, 'SERVE_INVALID_REQUEST'],
    [{ id: 1, model: 'sentiment', text: 'x', version: 12345 }, 'SERVE_VERSION_NOT_LOADED'],
  ];
  for (const [msg, code] of envelope) {
    const before = ws.answers.length;
    const answered = ws.waitFor(() => ws.answers.length > before);
    ws.send(msg);
    const a = await answered;
    assert.equal((a.error as { code: string }).code, code, JSON.stringify(msg));
    n++;
  }
  // A message over the soft limit is answered with an error; the connection stays.
  {
    const before = ws.answers.length;
    const answered = ws.waitFor(() => ws.answers.length > before);
    ws.send({ id: 'big', model: 'sentiment', text: 'y'.repeat(limits.wsMaxMessageBytes) });
    assert.equal(((await answered).error as { code: string }).code, 'SERVE_MESSAGE_TOO_LARGE');
    n++;
  }
  const still = await ws.ask({ id: 'alive', model: 'sentiment', text: 'great' });
  assert.equal(still.label, 'positive');
  ws.close();

  // Protocol-level garbage on fresh connections: closed with the protocol's codes.
  const huge = await TestWs.open(server.url);
  huge.ws.send(Buffer.alloc(limits.wsMaxFrameBytes + 1, 0x61));
  assert.equal((await huge.closed).code, 1009);
  n++;
  for (const frame of [
    Buffer.from([0x83, 0x80, 1, 2, 3, 4]), // reserved opcode 3
    Buffer.from([0x81, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f]), // unmasked client frame
    Buffer.from([0xf1, 0x80, 1, 2, 3, 4]), // RSV bits set
    Buffer.from([0x09, 0x80, 1, 2, 3, 4]), // fragmented ping
  ]) {
    assert.equal(await rawWsFrame(server, frame), 1002);
    n++;
  }
  // Malformed HTTP on raw sockets.
  for (const raw of [
    'GARBAGE\r\n\r\n',
    'POST /v1/models/sentiment/predict HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
    'GET / HTTP/9.9\r\n\r\n',
    `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    'POST /v1/models/sentiment/predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n',
  ]) {
    const answer = await rawHttp(server, raw);
    assert.match(answer, /^HTTP\/1\.1 4\d\d /, raw.slice(0, 40));
    assert.match(answer, /"code":"SERVE_[A-Z_]+"/, raw.slice(0, 40));
    n++;
  }

  const total = httpCases.length + n;
  assert.ok(total >= 1000, `only ${total} malformed inputs`);
  const goodAnswers = await good.stop();
  assert.ok(goodAnswers > 10, `the well-behaved clients got only ${goodAnswers} answers`);
  assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(metrics, /sentio_errors_total\{code="SERVE_INVALID_UTF8",transport="ws"\}/);
  t.diagnostic(`${total} malformed inputs; ${goodAnswers} good answers meanwhile`);
});

/** Open a WebSocket by hand, send one raw frame, return the close code the server sends. */
function rawWsFrame(server: RunningServer, frame: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/v1/ws`);
    ws.on('error', () => {});
    ws.on('open', () => {
      const socket = (ws as unknown as { _socket: net.Socket })._socket;
      socket.write(frame);
    });
    ws.on('close', (code) => resolve(code));
    setTimeout(() => reject(new Error('no close')), 5000).unref();
  });
}

function rawHttp(server: RunningServer, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(server.port, server.host);
    let out = '';
    s.on('data', (d) => {
      out += d.toString();
    });
    s.on('close', () => resolve(out));
    s.on('error', reject);
    s.write(raw);
    setTimeout(() => {
      s.destroy();
      resolve(out);
    }, 3000).unref();
  });
}

test('slow-loris headers and bodies are cut with 408 and a code', async (t) => {
  const store = await makeStore(t, 'sentiment', 1);
  const server = await serve(t, store, {
    limits: { requestTimeoutMs: 600, headersTimeoutMs: 400 },
  });
  const t0 = Date.now();
  const [headers, body] = await Promise.all([
    slow(server, 'POST /v1/models/sentiment/predict HTTP/1.1\r\nHost: x\r\n', 'X-Drip: a\r\n'),
    slow(
      server,
      'POST /v1/models/sentiment/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"text":',
      '"',
    ),
  ]);
  for (const answer of [headers, body]) {
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.match(answer, /"code":"SERVE_REQUEST_TIMEOUT"/);
  }
  assert.ok(Date.now() - t0 < 5000);
  const ok = await fetch(`${server.url}/healthz`);
  assert.equal(ok.status, 200);
});

/** Send `start`, then drip `drop` every 100 ms until the server answers or closes. */
function slow(server: RunningServer, start: string, drop: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(server.port, server.host);
    let out = '';
    s.on('data', (d) => {
      out += d.toString();
    });
    s.on('error', () => {});
    s.write(start);
    const drip = setInterval(() => {
      if (s.writable) s.write(drop);
    }, 100);
    s.on('close', () => {
      clearInterval(drip);
      resolve(out);
    });
    setTimeout(() => s.destroy(), 8000).unref();
  });
}
