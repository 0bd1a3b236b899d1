#!/usr/bin/env node
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runNodeChild } from '../lib/child.mjs';
import { loadSample, machineInfo } from '../lib/machine.mjs';
import { median } from '../lib/stats.mjs';
import { MODEL, PROFILES, REPO_ROOT } from './config.mjs';
import { writeOutputs } from './report.mjs';
import { restLoad } from './rest-load.mjs';
import { startFastApi, startPeer, startSentio } from './servers.mjs';
import { makeStore, removeStore, reviewText } from './setup.mjs';
import { swapUnderLoad } from './swap.mjs';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    rerender: { type: 'boolean', default: false },
  },
});
const profile = args.quick ? PROFILES.quick : PROFILES.full;
const outDir = args.out
  ? path.resolve(args.out)
  : args.quick
    ? path.join(REPO_ROOT, 'bench', '.work', 'serve-quick')
    : path.join(REPO_ROOT, 'bench');
const WS_CHILD = path.join(REPO_ROOT, 'bench', 'serve', 'ws-load-child.mjs');
const log = (s) => process.stderr.write(`${s}\n`);

if (args.rerender) {
  // Rewrite the RESULTS.md section from the saved JSON (after a change to the report code).
  const saved = JSON.parse(fs.readFileSync(path.join(outDir, 'results', 'serve.json'), 'utf8'));
  log(
    `wrote ${writeOutputs(saved, { resultsDir: path.join(outDir, 'results'), resultsMd: path.join(outDir, 'RESULTS.md') }).join(', ')}`,
  );
  process.exit(0);
}

const res = {
  bench: 'serve',
  profile: profile.name,
  started_at: new Date().toISOString(),
  machine: machineInfo(REPO_ROOT),
  load: [loadSample('start')],
  config: profile,
  runs: {},
};

function wsLoad(server, { clients, inFlight, batch = null, text, label }) {
  return runNodeChild(
    WS_CHILD,
    [
      JSON.stringify({
        url: server.url,
        clients,
        inFlight,
        seconds: profile.seconds,
        warmupSeconds: profile.warmupSeconds,
        model: MODEL,
        text,
        batch,
      }),
    ],
    { timeoutMs: (profile.seconds + profile.warmupSeconds + 60) * 1000, label },
  );
}

async function rest(server, body, label) {
  // Warm up (JIT, connection set-up), then measure.
  await restLoad({
    url: `${server.url}/v1/models/${MODEL}/predict`,
    body,
    connections: profile.restConnections,
    seconds: profile.warmupSeconds,
  });
  const r = await restLoad({
    url: `${server.url}/v1/models/${MODEL}/predict`,
    body,
    connections: profile.restConnections,
    seconds: profile.seconds,
  });
  log(
    `  ${label.padEnd(16)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50_ms} ms  p99 ${r.p99_ms} ms  errors ${r.errors + r.non2xx}`,
  );
  return r;
}

function push(name, r) {
  res.runs[name] ??= [];
  res.runs[name].push(r);
}

/** The prediction-log counters of a server, from its /metrics. */
async function logCounters(server) {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const read = (name) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line === undefined ? 0 : Number(line.split(' ')[1]);
  };
  return {
    logged: read('sentio_prediction_log_logged_total'),
    dropped: read('sentio_prediction_log_dropped_total'),
    flushed: read('sentio_prediction_log_flushed_total'),
    measured: read('sentio_prediction_log_drift_measured_total'),
    sampled_out: read('sentio_prediction_log_sampled_out_total'),
    // Texts scored by the server (every version), with or without logging.
    predictions: text
      .split('\n')
      .filter((l) => l.startsWith('sentio_predictions_total{'))
      .reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0),
  };
}

/** CPU seconds (user + system, every thread) a child process has used so far (Linux /proc). */
function cpuSeconds(pid) {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks
  } catch {
    return null;
  }
}

/**
 * Run `measure` on a server; attach what its prediction log did meanwhile
 * and the server process's CPU time per prediction (warm-up included).
 */
async function withLog(server, measure) {
  const before = await logCounters(server);
  const cpu0 = cpuSeconds(server.proc.pid);
  const r = await measure();
  const cpu1 = cpuSeconds(server.proc.pid);
  const after = await logCounters(server);
  r.log = Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - before[k]]));
  r.server_cpu_s = cpu0 === null || cpu1 === null ? null : cpu1 - cpu0;
  r.server_cpu_us_per_prediction =
    r.server_cpu_s === null || r.log.predictions === 0
      ? null
      : (r.server_cpu_s * 1e6) / r.log.predictions;
  return r;
}

const text = await reviewText();
const body = JSON.stringify({ text });
res.text_bytes = Buffer.byteLength(JSON.stringify(text)) - 2;
res.body_bytes = Buffer.byteLength(body);
log(`server bench (${profile.name}): review text ${res.text_bytes} bytes`);
const servers = [];
// The FastAPI peer fits its scikit-learn pipeline at start-up (about a minute): start it now,
// while Sentio's models train, so it can be measured in every round beside the others.
const pyStarting = profile.sklearn ? startFastApi() : null;
pyStarting?.catch(() => {});
log('training the IMDB model(s) and registering them in a temp store...');
const store = await makeStore({ versions: profile.swapMoves + 1, log });
res.engine_backend = store.engine;
try {
  const py = pyStarting === null ? null : await pyStarting;
  if (py !== null) servers.push(py);
  // Logging on (the default: every prediction, text hashed, drift measured up to 500/s),
  // logging off, and logging one prediction in ten: the same model, side by side.
  const sentio = await startSentio(store.store);
  servers.push(sentio);
  const nolog = await startSentio(
    store.store,
    ['--no-prediction-log', '--no-monitoring'],
    'sentio-nolog',
  );
  servers.push(nolog);
  const sampled = await startSentio(store.store, ['--log-sample-rate', '0.1'], 'sentio-sampled');
  servers.push(sampled);
  // Logging on and off alternate which goes first, so neither always meets a warmer machine.
  const variants = (round) => {
    const all = [
      ['sentio', sentio],
      ['sentio_nolog', nolog],
      ['sentio_sampled', sampled],
    ];
    return round % 2 === 1 ? all : [all[1], all[0], all[2]];
  };
  const echo = await startPeer('fastify-echo.mjs', 'fastify-echo');
  servers.push(echo);
  const bare = await startPeer('node-http.mjs', 'node-http');
  servers.push(bare);
  const wsEcho = await startPeer('ws-echo.mjs', 'ws-echo');
  servers.push(wsEcho);

  for (let round = 1; round <= profile.rounds; round++) {
    log(
      `round ${round}/${profile.rounds}: REST, ${profile.restConnections} connections, ${profile.seconds} s each`,
    );
    for (const [name, server] of variants(round)) {
      push(`rest_${name}`, await withLog(server, () => rest(server, body, name)));
    }
    push('rest_fastify_echo', await rest(echo, body, 'fastify echo'));
    push('rest_node_http', await rest(bare, body, 'node http'));
    if (py !== null) push('rest_fastapi_sklearn', await rest(py, body, 'fastapi+sklearn'));
    res.load.push(loadSample(`round ${round} rest`));
    log(
      `round ${round}: WebSocket, ${profile.wsClients} clients x ${profile.wsInFlight} in flight`,
    );
    const ws = { clients: profile.wsClients, inFlight: profile.wsInFlight, text };
    for (const [name, server] of variants(round)) {
      const s = await withLog(server, () => wsLoad(server, { ...ws, label: `ws-${name}` }));
      log(
        `  ${`${name} ws`.padEnd(16)} ${s.rps.toFixed(0).padStart(7)} msg/s  p50 ${s.p50_ms?.toFixed(2)} ms  p99 ${s.p99_ms?.toFixed(2)} ms  errors ${s.errors}  logged ${s.log.logged} dropped ${s.log.dropped}`,
      );
      push(`ws_${name}`, s);
    }
    const e = await wsLoad(wsEcho, { ...ws, label: 'ws-echo' });
    log(
      `  ws echo          ${e.rps.toFixed(0).padStart(7)} msg/s  p50 ${e.p50_ms?.toFixed(2)} ms  p99 ${e.p99_ms?.toFixed(2)} ms`,
    );
    push('ws_echo', e);
    for (const [name, server] of variants(round)) {
      const b = await withLog(server, () =>
        wsLoad(server, {
          clients: profile.batchClients,
          inFlight: profile.batchInFlight,
          batch: profile.batchTexts,
          text,
          label: `ws-batch-${name}`,
        }),
      );
      log(
        `  ${`${name} batch`.padEnd(16)} ${b.predictionsPerSecond.toFixed(0).padStart(7)} predictions/s (${profile.batchTexts} texts/message)  errors ${b.errors}  logged ${b.log.logged} dropped ${b.log.dropped}`,
      );
      push(`ws_batch_${name}`, b);
    }
    res.load.push(loadSample(`round ${round} ws`));
  }

  if (py !== null) {
    await py.stop();
    servers.splice(servers.indexOf(py), 1);
  }

  log(`alias moves under load: ${profile.swapMoves} moves, one every ${profile.swapEveryMs} ms`);
  const swap = await swapUnderLoad({
    server: sentio,
    store: store.store,
    versions: store.versions,
    moves: profile.swapMoves,
    everyMs: profile.swapEveryMs,
    text,
    connections: profile.restConnections,
  });
  res.runs.swap = swap;
  log(
    `  ${swap.rest.requests} REST requests (errors ${swap.rest.errors}, non-2xx ${swap.rest.non2xx}), ${swap.ws.roundTrips} WS (errors ${swap.ws.errors}); ` +
      `p99 ${swap.rest.p99_ms} ms, max ${swap.rest.max_ms} ms; switched within ${Math.max(...swap.moves.map((m) => m.switched_ms ?? 0))} ms`,
  );
} finally {
  for (const s of servers) await s.stop().catch(() => {});
  await pyStarting?.then((p) => p.stop()).catch(() => {});
  removeStore(store);
}
res.load.push(loadSample('end'));
res.finished_at = new Date().toISOString();
res.summary = Object.fromEntries(
  Object.entries(res.runs)
    .filter(([k]) => k !== 'swap')
    .map(([k, runs]) => [
      k,
      {
        rps: median(runs.map((r) => r.rps)),
        predictions_per_s: median(runs.map((r) => r.predictionsPerSecond ?? r.rps)),
        p50_ms: median(runs.map((r) => r.p50_ms)),
        p99_ms: median(runs.map((r) => r.p99_ms)),
        errors: runs.reduce((a, r) => a + (r.errors ?? 0) + (r.non2xx ?? 0), 0),
        ...(runs[0].server_cpu_us_per_prediction != null
          ? {
              server_cpu_us_per_prediction: median(runs.map((r) => r.server_cpu_us_per_prediction)),
            }
          : {}),
        ...(runs[0].log
          ? {
              log: Object.fromEntries(
                Object.keys(runs[0].log).map((k) => [k, runs.reduce((a, r) => a + r.log[k], 0)]),
              ),
            }
          : {}),
      },
    ]),
);
const files = writeOutputs(res, {
  resultsDir: path.join(outDir, 'results'),
  resultsMd: path.join(outDir, 'RESULTS.md'),
});
log(`wrote ${files.join(', ')}`);
