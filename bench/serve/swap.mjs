// Latency and failures during alias moves under sustained load: REST load
// (autocannon) and WebSocket load (a child) on a server serving
// MODEL@production, while the alias moves through the registry every
// `everyMs`. Swap timings come from the server's JSON logs.
import path from 'node:path';
import { openRegistry } from '../../dist/registry/index.js';
import { runNodeChild } from '../lib/child.mjs';
import { MODEL } from './config.mjs';
import { restLoad } from './rest-load.mjs';

const WS_CHILD = path.join(path.dirname(new URL(import.meta.url).pathname), 'ws-load-child.mjs');

export async function swapUnderLoad({
  server,
  store,
  versions,
  moves,
  everyMs,
  text,
  connections,
}) {
  const seconds = Math.ceil((moves * everyMs + 3000) / 1000);
  const body = JSON.stringify({ text });
  const reg = await openRegistry(store);
  const moveTimes = [];
  try {
    const rest = restLoad({
      url: `${server.url}/v1/models/${MODEL}/predict`,
      body,
      connections,
      seconds,
    });
    const ws = runNodeChild(
      WS_CHILD,
      [
        JSON.stringify({
          url: server.url,
          clients: 10,
          inFlight: 10,
          seconds: seconds - 1,
          warmupSeconds: 0.5,
          model: MODEL,
          text,
        }),
      ],
      { timeoutMs: (seconds + 60) * 1000, label: 'ws-swap' },
    );
    await new Promise((r) => setTimeout(r, 1500));
    for (let i = 1; i <= moves; i++) {
      const v = versions[i % versions.length];
      const at = Date.now();
      await reg.setAlias(MODEL, 'production', v, { reason: `bench move ${i}` });
      moveTimes.push({ move: i, version: v, at });
      await new Promise((r) => setTimeout(r, everyMs));
    }
    const [r, w] = await Promise.all([rest, ws]);
    await new Promise((r2) => setTimeout(r2, 200));
    const logs = server
      .stdout()
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        try {
          return JSON.parse(l);
        } catch {
          return {};
        }
      });
    const timings = moveTimes.map((m) => {
      const loading = logs.find(
        (l) => l.event === 'model_loading' && l.to === m.version && l.time >= m.at,
      );
      const swapped = logs.find(
        (l) => l.event === 'model_swapped' && l.to === m.version && l.time >= m.at,
      );
      return {
        ...m,
        detected_ms: loading ? loading.time - m.at : null,
        switched_ms: swapped ? swapped.time - m.at : null,
      };
    });
    const failedSwaps = logs.filter((l) => l.event === 'model_swap_failed').length;
    return { seconds, rest: r, ws: w, moves: timings, failed_swaps: failedSwaps };
  } finally {
    await reg.close();
  }
}
