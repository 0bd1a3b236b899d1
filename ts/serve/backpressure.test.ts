import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeStore, serve } from './test-support/fixtures.js';
import { TestWs } from './test-support/ws-client.js';

const SLOW_READER = fileURLToPath(new URL('./test-support/slow-reader.js', import.meta.url));

function runSlowReader(
  url: string,
  ms: number,
): Promise<{ sent: number; sentBytes: number; closed: { code: number; at: number } | null }> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [SLOW_READER, `${url.replace('http', 'ws')}/v1/ws`, 'sentiment', String(ms)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    p.on('exit', () => {
      try {
        resolve(JSON.parse(out));
      } catch {
        reject(new Error(`slow reader printed: ${out}`));
      }
    });
  });
}

test('backpressure: a WebSocket client that never reads is paused, then disconnected; memory stays bounded', async (t) => {
  const store = await makeStore(t, 'sentiment', 1);
  const server = await serve(t, store, {
    limits: { wsHighWaterBytes: 256 * 1024, wsStallTimeoutMs: 1500, wsMaxInFlight: 64 },
  });
  const good = await TestWs.open(server.url);
  t.after(() => good.close());
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const slow = runSlowReader(server.url, 8000);
  // A well-behaved client is served all along.
  let goodAnswers = 0;
  const goodLoop = (async () => {
    for (let i = 0; i < 60; i++) {
      const a = await good.ask({ id: i, model: 'sentiment', text: 'works great' });
      assert.equal(a.label, 'positive');
      goodAnswers++;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const result = await slow;
  await goodLoop;
  clearInterval(sampler);

  assert.ok(result.closed !== null, 'the server disconnected the client that does not read');
  assert.ok(result.closed.at < 7000, `disconnected only after ${result.closed.at} ms`);
  // The server stopped reading: the client could push only a bounded amount (kernel buffers + limits).
  assert.ok(result.sentBytes < 64 * 1024 * 1024, `the client pushed ${result.sentBytes} bytes`);
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(metrics, /sentio_ws_disconnects_total\{reason="backpressure"\} 1/);
  const answered = Number(/sentio_ws_messages_total\{outcome="ok"\} (\d+)/.exec(metrics)?.[1]);
  assert.ok(
    answered < result.sent,
    `the server answered ${answered} of ${result.sent} (should have paused)`,
  );
  const growth = (peak - rss0) / 1024 / 1024;
  assert.ok(growth < 150, `server process grew by ${growth.toFixed(0)} MB`);
  assert.equal(goodAnswers, 60);
  t.diagnostic(
    `slow client sent ${result.sent} requests (${(result.sentBytes / 1e6).toFixed(1)} MB), server answered ${answered - goodAnswers}; ` +
      `disconnected at ${result.closed.at} ms; server RSS growth ${growth.toFixed(1)} MB`,
  );
});
