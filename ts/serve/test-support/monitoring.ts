/**
 * Test support for monitoring inside the server: a store with an IMDB model
 * trained through the real pipeline (so its version carries the reference
 * profile drift is measured against, ts/monitor's fixture), fast pipelined
 * load over WebSocket and REST, and /metrics parsing.
 * @module
 */
import path from 'node:path';
import WebSocket from 'ws';
import { type TrainedImdb, tempDir, trainImdb } from '../../monitor/test-support/fixtures.js';
import type { Json } from './fixtures.js';

type After = { after(fn: () => void | Promise<void>): void };

export interface ImdbStore extends TrainedImdb {
  dir: string;
}

/** A temp store with `imdb@1` trained on an IMDB subsample, `production` pointing at it. */
export async function imdbStore(t: After): Promise<ImdbStore> {
  const dir = path.join(tempDir(t, 'sentio-serve-monitor-'), 'store');
  const m = await trainImdb(dir);
  t.after(() => m.registry.close());
  await m.registry.setAlias('imdb', 'production', m.version, { reason: 'test' });
  return { ...m, dir };
}

/**
 * Send every message over one WebSocket with up to `window` in flight
 * (ids are assigned here); resolves with the answers in message order.
 */
export function wsLoad(
  url: string,
  msgs: ReadonlyArray<Record<string, unknown>>,
  window = 256,
): Promise<Json[]> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/ws`, { perMessageDeflate: false });
    const out: Json[] = new Array(msgs.length);
    let sent = 0;
    let got = 0;
    const send = () => {
      const i = sent++;
      ws.send(JSON.stringify({ ...msgs[i], id: i }));
    };
    ws.on('error', reject);
    ws.on('open', () => {
      for (let k = 0; k < Math.min(window, msgs.length); k++) send();
      if (msgs.length === 0) {
        ws.close();
        resolve(out);
      }
    });
    ws.on('message', (data) => {
      const a = JSON.parse(data.toString()) as Json;
      out[a.id as number] = a;
      got++;
      if (sent < msgs.length) send();
      if (got === msgs.length) {
        ws.close();
        resolve(out);
      }
    });
  });
}

/** POST every body to `url` with `concurrency` requests in flight; the parsed answers in order. */
export async function restLoad(
  url: string,
  bodies: readonly unknown[],
  concurrency = 32,
  headers: Record<string, string> = {},
): Promise<Array<{ status: number; body: Json }>> {
  const out: Array<{ status: number; body: Json }> = new Array(bodies.length);
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const i = next++;
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(bodies[i]),
      });
      out[i] = { status: res.status, body: await res.json() };
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}

/** Samples of one metric from a Prometheus text exposition: labels and value. */
export function samples(
  text: string,
  name: string,
): Array<{ labels: Record<string, string>; value: number }> {
  const out: Array<{ labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    const labels: Record<string, string> = {};
    let valuePart = rest.trim();
    if (rest[0] === '{') {
      const end = rest.indexOf('}');
      for (const m of rest.slice(1, end).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
        labels[m[1] as string] = m[2] as string;
      }
      valuePart = rest.slice(end + 1).trim();
    }
    out.push({ labels, value: Number(valuePart.split(' ')[0]) });
  }
  return out;
}

/** The value of `name` whose labels include `match` (undefined when absent). */
export function metric(
  text: string,
  name: string,
  match: Record<string, string> = {},
): number | undefined {
  return samples(text, name).find((s) => Object.entries(match).every(([k, v]) => s.labels[k] === v))
    ?.value;
}

export async function scrape(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}
