#!/usr/bin/env node
// One idempotent bootstrap for a fresh clone, used by `npm test`, `npm run demo`,
// `npm run build` and the benches. Plain Node built-ins only (it runs before
// `npm install`). Each step is skipped when a content hash of its inputs matches
// the stamp it wrote last time (.cache/bootstrap/<step>.sha256) and its outputs
// exist; a run with nothing to do takes a fraction of a second.
//
//   npm packages   npm ci (no node_modules) / npm install (package*.json changed)
//   native addon   napi build --platform --release   (bindings/node -> sentio.<platform>.node,
//                                                      generated index.js / index.d.ts)
//   wasm package   node scripts/build-wasm.mjs       (bindings/wasm/pkg/)
//   python venv    .venv + pip install -r tests/reference/requirements.txt
//   monitoring services  apt-get install prometheus prometheus-alertmanager (the alerting
//                  tests start /usr/bin/prometheus and /usr/bin/prometheus-alertmanager
//                  themselves; the packages' own services are never used)
//   postgresql     apt-get install postgresql        (optional: the PostgreSQL store tests run their own
//                  throwaway cluster with /usr/lib/postgresql/15/bin/initdb and pg_ctl; the
//                  package's own service is never used)
//   typescript     tsc -b                            (ts/ -> dist/)
//   web app        node scripts/build-web.mjs        (web/ -> web/dist/, served at / by sentio serve)
//   browser        apt-get install chromium          (optional: the web app's browser tests drive
//                  /usr/bin/chromium with playwright-core; never `playwright install`)
//
// Flags: --skip-python  leave out the Python reference environment (the demo needs none)
//        --skip-monitoring  leave out Prometheus and Alertmanager (only tests use them)
//        --skip-postgres  leave out PostgreSQL (only the PostgreSQL store tests use it)
//        --skip-browser leave out Chromium (only the web app's browser tests use it)
//        --quiet        print only what gets built (child output goes to .cache/logs/)
//        --force        ignore the stamps and run every step
//
// Outside the repository it uses only system packages that its steps install with
// apt-get (see scripts/build-wasm.mjs) and the tool cache ~/.cache/sentio/tools.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { aptInstall } from './lib/apt.mjs';
import { CommandError, formatDuration, npmBin, ROOT, run, toolEnv } from './lib/common.mjs';

const FLAGS = [
  '--skip-python',
  '--skip-monitoring',
  '--skip-postgres',
  '--skip-browser',
  '--quiet',
  '--force',
  '--help',
];
const argv = process.argv.slice(2);
const bad = argv.filter((a) => !FLAGS.includes(a));
if (bad.length > 0 || argv.includes('--help')) {
  if (bad.length > 0) console.error(`bootstrap: unknown argument(s): ${bad.join(' ')}`);
  console.error(
    'usage: node scripts/bootstrap.mjs [--skip-python] [--skip-monitoring] [--skip-postgres] [--skip-browser] [--quiet] [--force]',
  );
  process.exit(bad.length > 0 ? 2 : 0);
}
const skipPython = argv.includes('--skip-python');
const skipMonitoring = argv.includes('--skip-monitoring');
const skipPostgres = argv.includes('--skip-postgres');
const skipBrowser = argv.includes('--skip-browser');
const quiet = argv.includes('--quiet');
const force = argv.includes('--force') || process.env.SENTIO_BOOTSTRAP_FORCE === '1';

const STAMP_DIR = path.join(ROOT, '.cache', 'bootstrap');
const LOG_DIR = path.join(ROOT, '.cache', 'logs');
const NODE_DIR = path.join(ROOT, 'bindings', 'node');
const WASM_PKG = path.join(ROOT, 'bindings', 'wasm', 'pkg');
const VENV = path.join(ROOT, '.venv');
const REQUIREMENTS = path.join(ROOT, 'tests', 'reference', 'requirements.txt');
// Debian packages and the binaries the alerting tests run (ts/monitor/test-support/prometheus.ts).
const MONITORING_PACKAGES = ['prometheus', 'prometheus-alertmanager'];
const MONITORING_BINARIES = [
  '/usr/bin/prometheus',
  '/usr/bin/promtool',
  '/usr/bin/prometheus-alertmanager',
  '/usr/bin/amtool',
];

// The PostgreSQL server binaries the store tests run (ts/registry/test-support/postgres.ts),
// from Debian's versioned directory (/usr/lib/postgresql/15/bin on Debian 12).
const POSTGRES_PACKAGES = ['postgresql'];
function postgresBinaries() {
  let versions = [];
  try {
    versions = fs.readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  } catch {}
  const dir = `/usr/lib/postgresql/${versions[0] ?? '15'}/bin`;
  return ['initdb', 'pg_ctl', 'postgres', 'psql'].map((b) => `${dir}/${b}`);
}

// The browser the web app's tests drive (ts/serve/test-support/browser.ts).
const CHROMIUM = '/usr/bin/chromium';

const major = Number(process.versions.node.split('.')[0]);
if (major < 20) {
  console.error(`bootstrap: Node ${process.versions.node} is too old; Sentio needs Node >= 20.`);
  process.exit(1);
}

// ------------------------------------------------------------------ hashing

const SKIP_DIRS = new Set(['.git', 'node_modules', 'target', '.cache', '.venv', 'dist', 'pkg']);
const fileHashes = new Map();

/** Files under `dir` (repo-relative), recursively, sorted; `filter` gets the relative path. */
function walk(dir, filter = () => true, skipDirs = SKIP_DIRS) {
  const found = [];
  const visit = (rel) => {
    let entries;
    try {
      entries = fs.readdirSync(path.join(ROOT, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const child = path.posix.join(rel, e.name);
      if (e.isDirectory()) {
        if (!skipDirs.has(e.name)) visit(child);
      } else if (e.isFile() && filter(child)) {
        found.push(child);
      }
    }
  };
  visit(dir);
  return found.sort();
}

function hashFiles(relPaths) {
  const h = createHash('sha256');
  for (const rel of [...new Set(relPaths)].sort()) {
    let fh = fileHashes.get(rel);
    if (fh === undefined) {
      try {
        fh = createHash('sha256')
          .update(fs.readFileSync(path.join(ROOT, rel)))
          .digest('hex');
      } catch {
        fh = 'missing';
      }
      fileHashes.set(rel, fh);
    }
    h.update(`${rel}\0${fh}\n`);
  }
  return h.digest('hex');
}

const rustInputs = () => [
  'Cargo.toml',
  'Cargo.lock',
  'rust-toolchain.toml',
  'rust-toolchain',
  '.cargo/config.toml',
  // Everything a crate's build can read: sources, manifests, build scripts, included data.
  // Tests, benches and examples do not change the library artifact.
  ...walk('crates', (f) => !/^crates\/[^/]+\/(tests|benches|examples)\//.test(f)),
];

// ------------------------------------------------------------------ steps

function exists(rel) {
  return fs.existsSync(path.join(ROOT, rel));
}

function nativeAddonPresent() {
  try {
    return fs.readdirSync(NODE_DIR).some((f) => /^sentio\..+\.node$/.test(f));
  } catch {
    return false;
  }
}

const steps = [
  {
    key: 'npm',
    name: 'npm packages',
    inputs: () => [
      'package.json',
      'package-lock.json',
      'bindings/node/package.json',
      'bindings/wasm/package.json',
    ],
    upToDate: () => exists('node_modules/.package-lock.json'),
    async run(log) {
      const flags = ['--no-audit', '--no-fund'];
      if (!exists('node_modules') && exists('package-lock.json')) {
        await run('npm', ['ci', ...flags], { logFile: log });
      } else {
        await run('npm', ['install', ...flags], { logFile: log });
      }
    },
  },
  {
    key: 'native',
    name: 'native addon',
    inputs: () => [
      ...rustInputs(),
      ...walk('bindings/node/src'),
      'bindings/node/Cargo.toml',
      'bindings/node/build.rs',
      'bindings/node/package.json',
    ],
    upToDate: () =>
      nativeAddonPresent() &&
      exists('bindings/node/index.js') &&
      exists('bindings/node/index.d.ts'),
    async run(log) {
      // `napi build` runs cargo (release profile: fat LTO, panic=unwind) and writes
      // sentio.<platform>.node plus the generated loader index.js and index.d.ts.
      await run(npmBin('napi'), ['build', '--platform', '--release'], {
        cwd: NODE_DIR,
        logFile: log,
      });
    },
  },
  {
    key: 'wasm',
    name: 'wasm package',
    inputs: () => [
      ...rustInputs(),
      ...walk('bindings/wasm/src'),
      'bindings/wasm/Cargo.toml',
      'scripts/build-wasm.mjs',
    ],
    upToDate: () =>
      ['sentio_wasm.js', 'sentio_wasm.d.ts', 'sentio_wasm_bg.wasm'].every((f) =>
        fs.existsSync(path.join(WASM_PKG, f)),
      ),
    async run(log) {
      await run(process.execPath, [path.join(ROOT, 'scripts', 'build-wasm.mjs')], { logFile: log });
    },
  },
  {
    key: 'python',
    name: 'python venv',
    skip: () =>
      skipPython
        ? '--skip-python'
        : !fs.existsSync(REQUIREMENTS)
          ? 'tests/reference/requirements.txt not found'
          : null,
    inputs: () => ['tests/reference/requirements.txt'],
    upToDate: () => fs.existsSync(path.join(VENV, 'bin', 'python')),
    async run(log) {
      const python = path.join(VENV, 'bin', 'python');
      if (!fs.existsSync(python)) {
        // Absent, or broken because the interpreter it pointed at is gone.
        fs.rmSync(VENV, { recursive: true, force: true });
        await run('python3', ['-m', 'venv', VENV], { logFile: log });
      }
      await run(
        python,
        ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-r', REQUIREMENTS],
        { logFile: log },
      );
    },
  },
  {
    // Optional: a machine without apt (or without root/sudo) still bootstraps; the
    // Prometheus tests then fail saying what is missing. The packages' postinst may
    // try to start their services; nothing relies on them (tests use temp ports).
    key: 'monitoring',
    name: 'monitoring services',
    skip: () =>
      skipMonitoring
        ? '--skip-monitoring'
        : process.platform !== 'linux' || !fs.existsSync('/var/lib/dpkg/status')
          ? 'not a Debian system: install Prometheus and Alertmanager by hand'
          : null,
    inputs: () => [],
    upToDate: () => MONITORING_BINARIES.every((b) => fs.existsSync(b)),
    async run(log) {
      const ok = await aptInstall(MONITORING_PACKAGES, {
        optional: true,
        logFile: log,
        say: (m) => console.log(`monitoring services: ${m}`),
      });
      const missing = MONITORING_BINARIES.filter((b) => !fs.existsSync(b));
      if (!ok || missing.length > 0) {
        console.warn(
          `monitoring services: WARNING: could not install ${MONITORING_PACKAGES.join(' ')}` +
            ` (missing ${missing.join(', ')}); the Prometheus/Alertmanager tests will fail until they are installed`,
        );
      }
    },
  },
  {
    // Optional like the monitoring services: without it the PostgreSQL variants of the
    // registry tests fail, naming this step. Debian 12's postgresql is version 15.
    key: 'postgres',
    name: 'postgresql',
    skip: () =>
      skipPostgres
        ? '--skip-postgres'
        : process.platform !== 'linux' || !fs.existsSync('/var/lib/dpkg/status')
          ? 'not a Debian system: install PostgreSQL 15 by hand (or set SENTIO_PG_BIN)'
          : null,
    inputs: () => [],
    upToDate: () => postgresBinaries().every((b) => fs.existsSync(b)),
    async run(log) {
      const ok = await aptInstall(POSTGRES_PACKAGES, {
        optional: true,
        logFile: log,
        say: (m) => console.log(`postgresql: ${m}`),
      });
      const missing = postgresBinaries().filter((b) => !fs.existsSync(b));
      if (!ok || missing.length > 0) {
        console.warn(
          `postgresql: WARNING: could not install ${POSTGRES_PACKAGES.join(' ')} (missing ${missing.join(', ')}); ` +
            'the PostgreSQL store tests will fail until it is installed',
        );
      }
    },
  },
  {
    key: 'tsc',
    name: 'typescript',
    inputs: () => [
      ...walk('ts'),
      ...fs.readdirSync(ROOT).filter((f) => /^tsconfig.*\.json$/.test(f)),
      'package-lock.json',
      // Types the TypeScript code compiles against.
      'bindings/node/index.d.ts',
      ...walk('bindings/wasm/pkg', (f) => f.endsWith('.d.ts'), new Set()),
    ],
    upToDate: () => exists('dist'),
    async run(log) {
      await run(npmBin('tsc'), ['-b'], { logFile: log });
      pruneDist();
    },
  },
  {
    key: 'web',
    name: 'web app',
    inputs: () => [
      ...walk('web', (f) => !f.startsWith('web/dist/')),
      'package-lock.json',
      'scripts/build-web.mjs',
      ...walk('bindings/wasm/pkg', () => true, new Set()),
    ],
    upToDate: () => exists('web/dist/index.html') && exists('web/dist/sw.js'),
    async run(log) {
      await run(process.execPath, [path.join(ROOT, 'scripts', 'build-web.mjs')], { logFile: log });
    },
  },
  {
    // Optional like the monitoring services: without it everything builds and
    // only the browser tests fail, naming this step.
    key: 'browser',
    name: 'browser',
    skip: () =>
      skipBrowser
        ? '--skip-browser'
        : process.platform !== 'linux' || !fs.existsSync('/var/lib/dpkg/status')
          ? `not a Debian system: install Chromium at ${CHROMIUM} by hand`
          : null,
    inputs: () => [],
    upToDate: () => fs.existsSync(CHROMIUM),
    async run(log) {
      const ok = await aptInstall(['chromium'], {
        optional: true,
        logFile: log,
        say: (m) => console.log(`browser: ${m}`),
      });
      if (!ok || !fs.existsSync(CHROMIUM)) {
        console.warn(
          `browser: WARNING: could not install chromium (${CHROMIUM} missing); the web app's browser tests will fail until it is installed`,
        );
      }
    },
  },
];

/**
 * tsc never deletes output: drop dist/ files whose ts/ source is gone, so that a
 * removed or renamed *.test.ts does not keep running from a stale *.test.js.
 */
function pruneDist() {
  const srcExt = { '.js': ['.ts', '.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'] };
  for (const rel of walk('dist', () => true, new Set())) {
    const m = /^dist\/(.+?)(\.d)?(\.m?js|\.cjs|\.ts|\.mts|\.cts)(\.map)?$/.exec(rel);
    if (!m) continue;
    const [, stem, dts, ext] = m;
    const jsExt = dts ? { '.ts': '.js', '.mts': '.mjs', '.cts': '.cjs' }[ext] : ext;
    const candidates = (srcExt[jsExt] ?? []).map((e) => path.join(ROOT, 'ts', stem + e));
    if (candidates.length > 0 && !candidates.some((c) => fs.existsSync(c))) {
      fs.rmSync(path.join(ROOT, rel));
    }
  }
}

// ------------------------------------------------------------------ driver

function stampPath(key) {
  return path.join(STAMP_DIR, `${key}.sha256`);
}

function readStamp(key) {
  try {
    return fs.readFileSync(stampPath(key), 'utf8').trim();
  } catch {
    return null;
  }
}

async function runStep(step) {
  const skipWhy = step.skip?.();
  if (skipWhy) {
    if (!quiet) console.log(`${step.name}: skipped (${skipWhy})`);
    return;
  }
  const before = hashFiles(step.inputs());
  if (!force && step.upToDate() && readStamp(step.key) === before) {
    if (!quiet) console.log(`${step.name}: up to date`);
    return;
  }
  const log = quiet ? path.join(LOG_DIR, `${step.key}.log`) : undefined;
  if (log) fs.rmSync(log, { force: true });
  console.log(`${step.name}: building…${log ? ` (log: ${path.relative(ROOT, log)})` : ''}`);
  const started = Date.now();
  try {
    await step.run(log);
  } catch (err) {
    const took = formatDuration(Date.now() - started);
    console.error(`\nbootstrap: step "${step.name}" FAILED after ${took}`);
    console.error(`  ${err.message}`);
    if (err instanceof CommandError && err.logFile) console.error(`  full output: ${err.logFile}`);
    console.error(
      `  Fix the problem and run \`node scripts/bootstrap.mjs\` again (it resumes at this step).`,
    );
    process.exit(1);
  }
  // Stamp the inputs as they are now: the step itself may have written some of
  // them (npm rewrites package-lock.json, cargo creates Cargo.lock).
  fileHashes.clear();
  fs.mkdirSync(STAMP_DIR, { recursive: true });
  fs.writeFileSync(stampPath(step.key), `${hashFiles(step.inputs())}\n`);
  console.log(`${step.name}: built in ${formatDuration(Date.now() - started)}`);
}

const t0 = Date.now();
process.env.PATH = toolEnv().PATH; // rustup's cargo first, for every child
for (const step of steps) {
  await runStep(step);
}
if (!quiet) console.log(`bootstrap: done in ${formatDuration(Date.now() - t0)}`);
