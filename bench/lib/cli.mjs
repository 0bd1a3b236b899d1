// Shared by the benches' run scripts: the options they all take (--quick,
// --out DIR, --rerender, --help), where their outputs go, --rerender (rewrite
// the report from the last run's JSON, measuring nothing), the run's clock and
// load timeline, and the fields its results open with.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadSample, machineInfo } from './machine.mjs';
import { secondsSince } from './stats.mjs';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The command line of bench `name` (--quick, --out DIR, --rerender, --help,
 * plus its own `options` in node:util parseArgs form). --help prints `usage`
 * and exits. Returns the parsed options, the profile (`profiles.quick` with
 * --quick, else `profiles.full`) and the outputs: DIR/results/ and
 * DIR/RESULTS.md, where DIR is --out, else bench/ (full run) or
 * bench/.work/<name>-quick/ (--quick).
 */
export function benchCli(name, { usage, profiles, options = {} }) {
  const { values: opts } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
      rerender: { type: 'boolean', default: false },
      ...options,
      help: { type: 'boolean', default: false },
    },
  });
  if (opts.help) {
    console.log(`usage: ${usage}`);
    process.exit(0);
  }
  const outBase = path.resolve(
    opts.out ??
      (opts.quick
        ? path.join(REPO_ROOT, 'bench', '.work', `${name}-quick`)
        : path.join(REPO_ROOT, 'bench')),
  );
  return {
    opts,
    profile: opts.quick ? profiles.quick : profiles.full,
    outputs: {
      resultsDir: path.join(outBase, 'results'),
      resultsMd: path.join(outBase, 'RESULTS.md'),
    },
  };
}

/**
 * --rerender: rewrite the report of the last run from its raw figures
 * (`outputs.resultsDir/<name>.json`) with the bench's `writeOutputs(res,
 * outputs)`, then exit. Measures nothing: for a change to the report code.
 */
export function rerenderAndExit(name, outputs, writeOutputs) {
  const jsonFile = path.join(outputs.resultsDir, `${name}.json`);
  const res = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
  writeOutputs(res, outputs);
  const shown = path.relative(REPO_ROOT, jsonFile);
  console.log(
    `re-rendered the report of the run of ${res.started_at} from ${shown.startsWith('..') ? jsonFile : shown}`,
  );
  process.exit(0);
}

/** The command recorded with the results: `node <script> <args>`, after `npm run <event>: ` when an npm `bench*` script ran it. */
function benchCommand(script) {
  const argvText = process.argv.slice(2).join(' ');
  const npmEvent = process.env.npm_lifecycle_event;
  return `${npmEvent?.startsWith('bench') ? `npm run ${npmEvent}: ` : ''}node ${script}${argvText ? ` ${argvText}` : ''}`;
}

/**
 * The run's clock and load timeline, started now: `phase(name)` adds a load
 * sample to `timeline` and prints a heading with the time since the start and
 * the load average; `resultsHead({ schema, profile, script })` is what the
 * results of a run of `script` that ends now open with (schema, profile,
 * command, times, machine).
 */
export function startRun() {
  const wall0 = process.hrtime.bigint();
  const startedAt = new Date().toISOString();
  const timeline = [loadSample('start')];
  const phase = (name) => {
    timeline.push(loadSample(name));
    console.log(
      `\n== ${name}  (t+${secondsSince(wall0).toFixed(0)} s, load ${timeline.at(-1).loadavg_1m.toFixed(2)})`,
    );
  };
  const resultsHead = ({ schema, profile, script }) => ({
    schema,
    profile: profile.name,
    profile_settings: profile,
    command: benchCommand(script),
    npm_lifecycle_event: process.env.npm_lifecycle_event ?? null,
    repo_root: REPO_ROOT,
    started_at: startedAt,
    finished_at: new Date().toISOString(),
    wall_seconds: secondsSince(wall0),
    machine: machineInfo(REPO_ROOT),
  });
  return { wall0, startedAt, timeline, phase, resultsHead };
}
