#!/usr/bin/env node
// Builds the web app (web/: playground and dashboard) into web/dist, which
// `sentio serve` serves at `/`: type-checks it (`tsc -p web/tsconfig.json`,
// strict, no emit), then `vite build web`, then prints the page weight —
// every file's raw and gzip -9 size, split into JS, CSS, WASM and other —
// and writes it to web/dist/.weight.json for the README and the tests.
// Needs the WASM package (bindings/wasm/pkg, scripts/build-wasm.mjs) first.
//
// Usage: node scripts/build-web.mjs [--quiet]   (npm run build:web)
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { formatDuration, npmBin, ROOT, run } from './lib/common.mjs';

const quiet = process.argv.includes('--quiet');
const WEB = path.join(ROOT, 'web');
const DIST = path.join(WEB, 'dist');
const PKG = path.join(ROOT, 'bindings', 'wasm', 'pkg', 'sentio_wasm_bg.wasm');

if (!fs.existsSync(PKG)) {
  console.error(
    `build-web: ${path.relative(ROOT, PKG)} is missing: run node scripts/build-wasm.mjs (or the bootstrap) first`,
  );
  process.exit(1);
}
const t0 = Date.now();
await run(npmBin('tsc'), ['-p', path.join(WEB, 'tsconfig.json')]);
await run(npmBin('vite'), ['build', WEB]);

const kind = (f) =>
  f.endsWith('.js') ? 'js' : f.endsWith('.css') ? 'css' : f.endsWith('.wasm') ? 'wasm' : 'other';
const files = [];
const visit = (dir) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) visit(p);
    else if (!e.name.startsWith('.')) {
      const bytes = fs.readFileSync(p);
      files.push({
        file: path.relative(DIST, p),
        kind: kind(e.name),
        raw: bytes.length,
        gzip: zlib.gzipSync(bytes, { level: 9 }).length,
      });
    }
  }
};
visit(DIST);
files.sort((a, b) => a.file.localeCompare(b.file));
const totals = {};
for (const f of files) {
  if (totals[f.kind] === undefined) totals[f.kind] = { raw: 0, gzip: 0 };
  const t = totals[f.kind];
  t.raw += f.raw;
  t.gzip += f.gzip;
}
totals.all = files.reduce((t, f) => ({ raw: t.raw + f.raw, gzip: t.gzip + f.gzip }), {
  raw: 0,
  gzip: 0,
});
fs.writeFileSync(
  path.join(DIST, '.weight.json'),
  `${JSON.stringify({ files, totals }, null, 2)}\n`,
);
if (!quiet) {
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`.padStart(10);
  for (const f of files) console.log(`  ${f.file.padEnd(44)} ${kb(f.raw)} ${kb(f.gzip)} gzip`);
  for (const [k, t] of Object.entries(totals))
    console.log(`  ${`total ${k}`.padEnd(44)} ${kb(t.raw)} ${kb(t.gzip)} gzip`);
}
console.log(`build-web: web/dist built in ${formatDuration(Date.now() - t0)}`);
