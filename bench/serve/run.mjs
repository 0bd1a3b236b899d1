#!/usr/bin/env node
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runNodeChild } from '../lib/child.mjs';
import { loadSample, machineInfo } from '../lib/machine.mjs';
import { median } from '../lib/stats.mjs';
import { MODEL, PROFILES, REPO_ROOT } from './config.mjs';
import { postgresMissing, startBenchPostgres } from './postgres.mjs';
import { writeOutputs } from './report.mjs';
import { restLoad } from './rest-load.mjs';
import { startFastApi, startPeer, startSentio } from './servers.mjs';
import { makeStore, postgresStore, removeStore, reviewText } from './setup.mjs';
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
const WRITERS_CHILD = path.join(REPO_ROOT, 'bench', 'serve', 'log-writers.mjs');
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
    failed: read('sentio_prediction_log_failed_total'),
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
 * Run `measure` on a server; attach what its prediction log did meanwhile,
 * the wall time it took, the server process's CPU time per prediction
 * (warm-up included) and, for a server logging to PostgreSQL, the database
 * server's CPU time per row written.
 */
async function withLog(server, measure) {
  const before = await logCounters(server);
  const cpu0 = cpuSeconds(server.proc.pid);
  const db0 = server.db?.cpuSeconds() ?? null;
  const t0 = performance.now();
  const r = await measure();
  const elapsed = (performance.now() - t0) / 1000;
  const cpu1 = cpuSeconds(server.proc.pid);
  const db1 = server.db?.cpuSeconds() ?? null;
  const after = await logCounters(server);
  r.log = Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - before[k]]));
  r.elapsed_s = elapsed;
  r.server_cpu_s = cpu0 === null || cpu1 === null ? null : cpu1 - cpu0;
  r.server_cpu_us_per_prediction =
    r.server_cpu_s === null || r.log.predictions === 0
      ? null
      : (r.server_cpu_s * 1e6) / r.log.predictions;
  if (db0 !== null && db1 !== null) {
    r.db_cpu_s = db1 - db0;
    r.db_cpu_us_per_row = r.log.flushed > 0 ? (r.db_cpu_s * 1e6) / r.log.flushed : null;
  }
  return r;
}

/** The log writers alone (no HTTP): rows/s and CPU per row on SQLite and PostgreSQL. */
async function logWriters(pg, sqliteDir) {
  const out = {};
  const targets = [['sqlite', sqliteDir, null]];
  if (pg !== null) targets.push(['postgres', await pg.createDatabase('sentio_writers'), pg]);
  for (const [name, location, db] of targets) {
    const db0 = db?.cpuSeconds() ?? null;
    const r = await runNodeChild(
      WRITERS_CHILD,
      [
        JSON.stringify({
          location,
          rows: profile.writerRows,
          repeats: profile.writerRepeats,
          text,
        }),
      ],
      { timeoutMs: 600_000, label: `log-writers-${name}` },
    );
    const rows = r.runs.reduce((a, x) => a + x.rows, 0);
    if (db !== null) r.db_cpu_us_per_row = ((db.cpuSeconds() - db0) * 1e6) / rows;
    out[name] = r;
    log(
      `  ${name.padEnd(9)} ${r.runs.map((x) => `${x.rows_per_s.toFixed(0)} rows/s (${x.cpu_us_per_row.toFixed(1)} µs CPU/row)`).join(', ')}` +
        (r.db_cpu_us_per_row !== undefined
          ? `; database server ${r.db_cpu_us_per_row.toFixed(1)} µs CPU/row`
          : ''),
    );
  }
  return out;
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
// PostgreSQL for the logging-to-PostgreSQL variant, started meanwhile too (skipped, and said so, without it).
const pgMissing = profile.postgres ? postgresMissing() : 'not in this profile';
const pgStarting = pgMissing === null ? startBenchPostgres() : null;
pgStarting?.catch(() => {});
if (pgMissing !== null) log(`PostgreSQL variant skipped: ${pgMissing}`);
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
  // The same model served from a PostgreSQL store: it logs every prediction to PostgreSQL.
  const pg = pgStarting === null ? null : await pgStarting;
  let sentioPg = null;
  if (pg !== null) {
    await postgresStore(store.store, pg.url, store.versions[0]);
    sentioPg = { ...(await startSentio(pg.url, [], 'sentio-pg')), db: pg };
    servers.push(sentioPg);
    res.postgres = { version: pg.version };
  } else res.postgres = { skipped: pgMissing };
  // Logging on and off (and on PostgreSQL) alternate which goes first, so none always meets
  // a warmer machine.
  const variants = (round) => {
    const on = ['sentio', sentio];
    const off = ['sentio_nolog', nolog];
    const tenth = ['sentio_sampled', sampled];
    const onPg = sentioPg === null ? [] : [['sentio_pg', sentioPg]];
    return round % 2 === 1 ? [on, off, ...onPg, tenth] : [off, ...onPg, on, tenth];
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

  log('prediction log writers without the HTTP layer (batches of 1000, text hashed):');
  res.runs.log_writers = await logWriters(pg, path.join(store.root, 'writers'));

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
  await pgStarting?.then((p) => p.stop()).catch(() => {});
  removeStore(store);
}
res.load.push(loadSample('end'));
res.finished_at = new Date().toISOString();
res.summary = Object.fromEntries(
  Object.entries(res.runs)
    .filter(([k]) => k !== 'swap' && k !== 'log_writers')
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
        ...(runs[0].db_cpu_us_per_row != null
          ? { db_cpu_us_per_row: median(runs.map((r) => r.db_cpu_us_per_row)) }
          : {}),
        ...(runs[0].elapsed_s != null
          ? { elapsed_s: runs.reduce((a, r) => a + r.elapsed_s, 0) }
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
