#!/usr/bin/env node
// The test suite behind `npm test` (after scripts/bootstrap.mjs has built
// everything). Runs each check in order and stops at the first failure.
//
//   rustfmt      cargo fmt --all --check
//   clippy       cargo clippy --workspace --all-targets -- -D warnings
//   cargo test   cargo test --workspace
//   biome        biome check .            (lint + format of TS/JS/JSON/Markdown, biome.json)
//   workflows    scripts/lint-workflows.mjs (actionlint on .github/workflows)
//   node tests   node --test dist/**/*.test.js   (compiled from ts/**/*.test.ts)
//   train gate   scripts/ci/train-gate.mjs  (imdb through the CLI; fails below ci/baselines)
//
// TypeScript type checking is not a separate step: bootstrap's `tsc -b` fails on
// any type error, and it has just run. Usage: node scripts/run-tests.mjs [--only=a,b]
import fs from 'node:fs';
import path from 'node:path';
import { formatDuration, npmBin, quoteCommand, ROOT, run, toolEnv } from './lib/common.mjs';

function nodeTestFiles() {
  // Listed explicitly instead of `node --test dist/`: Node 20 searches a directory
  // argument recursively, but later Node versions treat arguments as globs.
  const files = [];
  const visit = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) visit(p);
      else if (/\.test\.(c|m)?js$/.test(e.name)) files.push(path.relative(ROOT, p));
    }
  };
  if (fs.existsSync(path.join(ROOT, 'dist'))) visit(path.join(ROOT, 'dist'));
  return files.sort();
}

// Test counts, read from the runners' own output, for the closing line.
const totals = { passed: 0, failed: 0, skipped: 0 };
// biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes
const plain = (text) => text.replace(/\x1b\[[0-9;]*m/g, '');

function countCargo(text) {
  const re = /^test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored/gm;
  for (const m of plain(text).matchAll(re)) {
    totals.passed += Number(m[1]);
    totals.failed += Number(m[2]);
    totals.skipped += Number(m[3]);
  }
}

function countNode(text) {
  const get = (what) => Number(new RegExp(`^ℹ ${what} (\\d+)$`, 'm').exec(plain(text))?.[1] ?? 0);
  totals.passed += get('pass');
  totals.failed += get('fail');
  totals.skipped += get('skipped') + get('todo');
}

const checks = [
  { name: 'rustfmt', cmd: 'cargo', args: ['fmt', '--all', '--check'] },
  {
    name: 'clippy',
    cmd: 'cargo',
    args: ['clippy', '--workspace', '--all-targets', '--', '-D', 'warnings'],
  },
  { name: 'cargo test', cmd: 'cargo', args: ['test', '--workspace'], count: countCargo },
  { name: 'biome', cmd: npmBin('biome'), args: ['check', '.'] },
  { name: 'workflows', cmd: process.execPath, args: ['scripts/lint-workflows.mjs'] },
  {
    name: 'node tests',
    cmd: process.execPath,
    args: () => {
      const files = nodeTestFiles();
      if (files.length === 0) {
        throw new Error('no *.test.js under dist/ (did `tsc -b` run? are there ts/**/*.test.ts?)');
      }
      return ['--test', '--test-reporter=spec', ...files];
    },
    count: countNode,
  },
  // The CI training gate itself: imdb trained through the CLI, metrics vs ci/baselines.
  {
    name: 'train gate',
    cmd: process.execPath,
    args: ['scripts/ci/train-gate.mjs', '--out', path.join('.cache', 'ci-artifacts', 'train')],
  },
];

const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const selected = only ? checks.filter((c) => only.includes(c.name)) : checks;
const results = [];
const t0 = Date.now();

function summary() {
  const lines = results.map(
    (r) => `  ${r.ok ? 'ok  ' : 'FAIL'}  ${r.name.padEnd(11)} ${formatDuration(r.ms)}`,
  );
  const skipped = selected.slice(results.length).map((c) => `  --    ${c.name.padEnd(11)} not run`);
  return [...lines, ...skipped].join('\n');
}

for (const check of selected) {
  const started = Date.now();
  let args;
  try {
    args = typeof check.args === 'function' ? check.args() : check.args;
    console.log(`\n=== ${check.name}: ${quoteCommand(path.basename(check.cmd), args)}`);
    const colour = process.stdout.isTTY ? { CARGO_TERM_COLOR: 'always', FORCE_COLOR: '1' } : {};
    const result = await run(check.cmd, args, { tee: Boolean(check.count), env: toolEnv(colour) });
    check.count?.(result.output);
    results.push({ name: check.name, ok: true, ms: Date.now() - started });
  } catch (err) {
    results.push({ name: check.name, ok: false, ms: Date.now() - started });
    console.error(`\nrun-tests: "${check.name}" failed: ${err.message}`);
    console.error(`${summary()}\nrun-tests: stopped at "${check.name}"`);
    process.exit(1);
  }
}
console.log(`\nrun-tests: every check passed in ${formatDuration(Date.now() - t0)}\n${summary()}`);
// Last line: the plain "N passed, N failed" form, over cargo's and node's tests.
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
