#!/usr/bin/env node
// Every benchmark in one command, one after the other (never in parallel: they
// would measure each other).
//
//   npm run bench         full profile of every bench: engine, serve, then scale and
//                         browser when bench/scale/run.mjs / bench/browser/run.mjs exist
//                         -> bench/RESULTS.md and bench/results/ (each bench its own section)
//   npm run bench:quick   the CI profile: the engine bench's --quick run (under 3 minutes
//                         on a 2-core machine) -> bench/.work/engine-quick/ unless --out
//
//   options: --out DIR        passed on to every bench (each writes DIR/RESULTS.md, DIR/results/)
//            --only a,b       run only these benches (engine, serve, scale, browser)
//
// A bench that fails (non-zero exit) is reported and the others still run;
// the exit code is 1 when any failed. The npm scripts run
// `node scripts/bootstrap.mjs --quiet` first.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Every bench, in run order. `quick`: part of the quick (CI) profile. A bench
 * whose script does not exist is listed as not present, not as a failure.
 */
const BENCHES = [
  { name: 'engine', script: 'bench/engine/run.mjs', execArgv: ['--expose-gc'], quick: true },
  { name: 'serve', script: 'bench/serve/run.mjs', execArgv: [], quick: false },
  { name: 'scale', script: 'bench/scale/run.mjs', execArgv: [], quick: false },
  { name: 'browser', script: 'bench/browser/run.mjs', execArgv: [], quick: false },
];

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    only: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  console.log(
    'usage: node bench/run-all.mjs [--quick] [--out DIR] [--only engine,serve,scale,browser]',
  );
  process.exit(0);
}
const only = opts.only ? new Set(opts.only.split(',').map((s) => s.trim())) : null;
for (const name of only ?? []) {
  if (!BENCHES.some((b) => b.name === name)) {
    console.error(
      `run-all: unknown bench "${name}" (known: ${BENCHES.map((b) => b.name).join(', ')})`,
    );
    process.exit(2);
  }
}
const selected = BENCHES.filter((b) => (only ? only.has(b.name) : !opts.quick || b.quick));

// How this run was started, for the reports (bench/engine/run.mjs records it).
const own = process.argv.slice(2);
const event = process.env.npm_lifecycle_event;
const ownArgs = (opts.quick && event === 'bench:quick' ? own.filter((a) => a !== '--quick') : own)
  .map(quoteArg)
  .join(' ');
const invokedAs =
  event === 'bench' || event === 'bench:quick'
    ? `npm run ${event}${ownArgs ? ` -- ${ownArgs}` : ''}`
    : `node bench/run-all.mjs${ownArgs ? ` ${ownArgs}` : ''}`;

const results = [];
const t0 = Date.now();
for (const bench of selected) {
  const file = path.join(ROOT, bench.script);
  if (!fs.existsSync(file)) {
    results.push({ ...bench, status: 'not present', seconds: 0 });
    console.log(`\nrun-all: ${bench.name}: ${bench.script} does not exist, skipped`);
    continue;
  }
  const args = [...(opts.quick ? ['--quick'] : []), ...(opts.out ? ['--out', opts.out] : [])];
  console.log(
    `\nrun-all: ${bench.name}: node ${[...bench.execArgv, bench.script, ...args].join(' ')}`,
  );
  const started = Date.now();
  const code = await run(process.execPath, [...bench.execArgv, file, ...args], {
    SENTIO_BENCH_COMMAND: invokedAs,
  });
  const seconds = (Date.now() - started) / 1000;
  results.push({ ...bench, status: code === 0 ? 'ok' : `FAILED (${code})`, seconds });
  console.log(
    `run-all: ${bench.name}: ${code === 0 ? 'ok' : `FAILED (${code})`} in ${fmt(seconds)}`,
  );
}

console.log(
  `\nrun-all: ${opts.quick ? 'quick' : 'full'} profile, ${fmt((Date.now() - t0) / 1000)} in all`,
);
for (const r of results) {
  console.log(`  ${r.name.padEnd(8)} ${r.status.padEnd(12)} ${r.seconds ? fmt(r.seconds) : ''}`);
}
const failed = results.filter((r) => r.status.startsWith('FAILED'));
if (failed.length > 0) {
  console.error(`run-all: ${failed.map((r) => r.name).join(', ')} failed`);
  process.exit(1);
}

/** Run a command with inherited stdio; resolves to its exit code (1 when killed by a signal). */
function run(cmd, args, env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, ...env },
    });
    child.on('error', (err) => {
      console.error(`run-all: could not start ${cmd}: ${err.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? `signal ${signal}` : 1)));
  });
}

function fmt(s) {
  return s >= 60 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${s.toFixed(1)} s`;
}

function quoteArg(a) {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`;
}
