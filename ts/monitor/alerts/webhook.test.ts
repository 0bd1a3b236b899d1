// WebhookNotifier against a real local HTTP receiver: signed Alertmanager-style
// JSON, retries with growing backoff when the receiver fails the first attempts,
// no retry on a refusal (4xx), a bounded queue that drops the oldest and never
// blocks notify(), and close() that delivers what is queued.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LogNotifier } from './log-notifier.js';
import type { WebhookPayload } from './payload.js';
import { verifySignature } from './signature.js';
import { startReceiver } from './test-support/receiver.js';
import type { AlertNotification, DeliveryResult } from './types.js';
import { backoffDelay, WebhookNotifier } from './webhook.js';

const SECRET = 's3cr3t-shared';

function notification(rule = 'drift', status: 'firing' | 'resolved' = 'firing'): AlertNotification {
  const at = Date.UTC(2024, 0, 1, 12);
  return {
    status,
    repeat: false,
    at,
    alert: {
      fingerprint: `fp-${rule}`,
      model: 'imdb',
      rule,
      labels: { signal: 'token_js' },
      severity: 'warning',
      state: status,
      value: 0.43,
      threshold: 0.2,
      summary: 'imdb@1: token_js 0.4300 > 0.2000 over 2928 texts',
      activeAt: at - 600_000,
      firedAt: at,
      resolvedAt: status === 'resolved' ? at : null,
      updatedAt: at,
      notifiedAt: at,
    },
  };
}

function outcomes(): { list: DeliveryResult[]; done: (r: DeliveryResult) => void } {
  const list: DeliveryResult[] = [];
  return { list, done: (r) => list.push(r) };
}

describe('WebhookNotifier', () => {
  test('POSTs signed Alertmanager-style JSON', async (t) => {
    const rx = await startReceiver();
    t.after(() => rx.close());
    const hook = new WebhookNotifier({ url: rx.url, secret: SECRET, name: 'ops' });
    const o = outcomes();
    hook.notify(notification(), o.done);
    await rx.waitFor((r) => r.length === 1);
    await hook.close();
    const req = rx.requests[0];
    assert.ok(req);
    assert.equal(req.method, 'POST');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.ok(verifySignature(SECRET, req.body, req.headers['x-sentio-signature-256']));
    assert.equal(verifySignature('wrong', req.body, req.headers['x-sentio-signature-256']), false);
    assert.equal(
      verifySignature(SECRET, `${req.body} `, req.headers['x-sentio-signature-256']),
      false,
    );
    assert.match(String(req.headers['x-sentio-delivery']), /^[0-9a-f-]{36}$/);
    const body = req.json as WebhookPayload;
    assert.equal(body.version, '4');
    assert.equal(body.status, 'firing');
    assert.equal(body.receiver, 'ops');
    assert.deepEqual(body.alerts[0]?.labels, {
      signal: 'token_js',
      alertname: 'drift',
      model: 'imdb',
      severity: 'warning',
    });
    assert.equal(body.alerts[0]?.annotations.value, '0.43');
    assert.equal(body.alerts[0]?.endsAt, '0001-01-01T00:00:00Z');
    assert.equal(body.sentio.threshold, 0.2);
    assert.deepEqual(o.list, [{ notifier: 'ops', outcome: 'delivered', attempts: 1 }]);
    assert.equal(hook.counters().delivered, 1);
  });

  test('no signature header without a secret', async (t) => {
    const rx = await startReceiver();
    t.after(() => rx.close());
    const hook = new WebhookNotifier({ url: rx.url });
    hook.notify(notification());
    await rx.waitFor((r) => r.length === 1);
    await hook.close();
    assert.equal(rx.requests[0]?.headers['x-sentio-signature-256'], undefined);
  });

  test('retries a receiver that fails the first attempts, with growing backoff', async (t) => {
    const rx = await startReceiver({ respond: (n) => (n <= 3 ? 503 : 200) });
    t.after(() => rx.close());
    const errors: string[] = [];
    const hook = new WebhookNotifier({
      url: rx.url,
      secret: SECRET,
      baseDelayMs: 100,
      maxDelayMs: 2000,
      random: () => 1, // the top of each jitter range: waits of 100, 200, 400 ms
      onError: (e) => errors.push(String(e)),
    });
    const o = outcomes();
    hook.notify(notification(), o.done);
    await rx.waitFor((r) => r.length === 4, 10_000);
    await hook.close();
    assert.deepEqual(
      rx.requests.map((r) => r.status),
      [503, 503, 503, 200],
    );
    assert.deepEqual(
      rx.requests.map((r) => r.headers['x-sentio-attempt']),
      ['1', '2', '3', '4'],
    );
    // One delivery id, one body (so one signature) across attempts.
    assert.equal(new Set(rx.requests.map((r) => r.headers['x-sentio-delivery'])).size, 1);
    assert.equal(new Set(rx.requests.map((r) => r.body)).size, 1);
    for (const r of rx.requests) {
      assert.ok(verifySignature(SECRET, r.body, r.headers['x-sentio-signature-256']));
    }
    const gaps = rx.requests.slice(1).map((r, i) => r.at - (rx.requests[i] as { at: number }).at);
    for (const [i, want] of [100, 200, 400].entries()) {
      assert.ok((gaps[i] as number) >= want - 15, `gap ${i} ${gaps[i]} ms ≥ ${want}`);
      assert.ok((gaps[i] as number) < want + 400, `gap ${i} ${gaps[i]} ms ≈ ${want}`);
    }
    assert.deepEqual(o.list, [{ notifier: hook.name, outcome: 'delivered', attempts: 4 }]);
    assert.equal(errors.length, 3);
    assert.match(errors[0] as string, /attempt 1\/6 failed: HTTP 503/);
  });

  test('gives up after maxAttempts; a 4xx refusal is not retried', async (t) => {
    const down = await startReceiver({ respond: () => 500 });
    const refusing = await startReceiver({ respond: () => 400 });
    t.after(() => Promise.all([down.close(), refusing.close()]));
    const a = new WebhookNotifier({ url: down.url, maxAttempts: 3, baseDelayMs: 10 });
    const b = new WebhookNotifier({ url: refusing.url, maxAttempts: 3, baseDelayMs: 10 });
    const oa = outcomes();
    const ob = outcomes();
    a.notify(notification(), oa.done);
    b.notify(notification(), ob.done);
    await down.waitFor((r) => r.length === 3);
    await refusing.waitFor((r) => r.length === 1);
    await Promise.all([a.close(), b.close()]);
    assert.equal(down.requests.length, 3);
    assert.equal(refusing.requests.length, 1);
    assert.deepEqual(oa.list, [
      { notifier: a.name, outcome: 'failed', attempts: 3, error: 'HTTP 500' },
    ]);
    assert.deepEqual(ob.list, [
      { notifier: b.name, outcome: 'failed', attempts: 1, error: 'HTTP 400' },
    ]);
  });

  test('a receiver that is down (connection refused) is retried, then reported', async () => {
    const rx = await startReceiver();
    const url = rx.url;
    await rx.close();
    const hook = new WebhookNotifier({ url, maxAttempts: 2, baseDelayMs: 10 });
    const o = outcomes();
    hook.notify(notification(), o.done);
    await hook.close(5000);
    assert.equal(o.list[0]?.outcome, 'failed');
    assert.equal(o.list[0]?.attempts, 2);
    assert.match(o.list[0]?.error ?? '', /ECONNREFUSED/);
  });

  test('honours Retry-After (seconds) on 429', async (t) => {
    const rx = await startReceiver({
      respond: (n) => (n === 1 ? 429 : 200),
      headers: (n): Record<string, string> => (n === 1 ? { 'retry-after': '1' } : {}),
    });
    t.after(() => rx.close());
    const hook = new WebhookNotifier({ url: rx.url, baseDelayMs: 10 });
    hook.notify(notification());
    await rx.waitFor((r) => r.length === 2, 5000);
    await hook.close();
    const gap = (rx.requests[1]?.at ?? 0) - (rx.requests[0]?.at ?? 0);
    assert.ok(gap >= 990, `waited ${gap} ms for Retry-After: 1`);
  });

  test('a slow receiver never blocks notify(); a full queue drops the oldest, counted', async (t) => {
    const rx = await startReceiver({ delayMs: 300 });
    t.after(() => rx.close());
    const hook = new WebhookNotifier({ url: rx.url, capacity: 3 });
    const o = outcomes();
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) hook.notify(notification(`rule_${i}`), o.done);
    const took = performance.now() - t0;
    assert.ok(took < 50, `10 notify() calls took ${took.toFixed(1)} ms`);
    // The first is in flight, 9 wait in a queue of 3: the 6 oldest waiting are dropped.
    assert.equal(hook.counters().dropped, 6);
    assert.deepEqual(
      o.list.map((r) => r.outcome),
      Array(6).fill('dropped'),
    );
    await rx.waitFor((r) => r.length === 4, 5000);
    await hook.close();
    const rules = rx.requests.map((r) => (r.json as { sentio: { rule: string } }).sentio.rule);
    assert.deepEqual(rules, ['rule_0', 'rule_7', 'rule_8', 'rule_9']);
    assert.equal(hook.counters().delivered, 4);
  });

  test('close() stops retrying after its timeout and reports the rest as dropped', async (t) => {
    const rx = await startReceiver({ respond: () => 503 });
    t.after(() => rx.close());
    const hook = new WebhookNotifier({ url: rx.url, baseDelayMs: 5000, maxDelayMs: 5000 });
    const o = outcomes();
    hook.notify(notification('a'), o.done);
    hook.notify(notification('b'), o.done);
    await rx.waitFor((r) => r.length === 1);
    const t0 = performance.now();
    await hook.close(200);
    assert.ok(performance.now() - t0 < 1500);
    assert.deepEqual(
      o.list.map((r) => r.outcome),
      ['dropped', 'dropped'],
    );
    hook.notify(notification('c'), o.done);
    assert.equal(o.list[2]?.error, 'notifier closed');
  });

  test('invalid configuration is a typed error', () => {
    assert.throws(() => new WebhookNotifier({ url: 'not a url' }), {
      code: 'ALERT_WEBHOOK_INVALID',
    });
    assert.throws(() => new WebhookNotifier({ url: 'ftp://x/y' }), {
      code: 'ALERT_WEBHOOK_INVALID',
    });
    assert.throws(() => new WebhookNotifier({ url: 'http://x/y', secret: '' }), {
      code: 'ALERT_WEBHOOK_INVALID',
    });
  });

  test('backoff grows exponentially within its jitter range and is capped', () => {
    for (let attempt = 1; attempt <= 10; attempt++) {
      const d = Math.min(30_000, 500 * 2 ** (attempt - 1));
      assert.equal(
        backoffDelay(attempt, 500, 30_000, () => 0),
        d / 2,
      );
      assert.equal(
        backoffDelay(attempt, 500, 30_000, () => 1),
        d,
      );
    }
  });
});

describe('LogNotifier', () => {
  test('one structured line per notification', () => {
    const lines: Array<[string, object, string]> = [];
    const log = new LogNotifier({
      info: (o, m) => lines.push(['info', o, m]),
      warn: (o, m) => lines.push(['warn', o, m]),
    });
    const o = outcomes();
    log.notify(notification('drift', 'firing'), o.done);
    log.notify(notification('drift', 'resolved'), o.done);
    assert.equal(lines[0]?.[0], 'warn');
    assert.match(lines[0]?.[2] ?? '', /^alert drift FIRING \(warning\): imdb@1: token_js/);
    assert.equal((lines[1]?.[1] as { event?: string } | undefined)?.event, 'alert_resolved');
    assert.deepEqual(
      o.list.map((r) => r.outcome),
      ['delivered', 'delivered'],
    );
  });
});
