#!/usr/bin/env node
// Builds bindings/wasm into bindings/wasm/pkg/ (ES module for browsers, wasm-bindgen
// `--target web`): cargo (profile `wasm-release`) -> wasm-bindgen CLI, and on request
// wasm-opt.
//
// Route, chosen automatically (see bindings/wasm/README.md):
//   rustup  if `rustup target list --installed` has wasm32-unknown-unknown:
//           plain `cargo build --target wasm32-unknown-unknown`.
//   debian  otherwise (rustup cannot download targets on this network): Debian's
//           rustc-web/cargo-web, with std built from rust-web-src by `-Zbuild-std`
//           and linked by LLVM's wasm-ld, all installed with apt-get.
// Force one with `--route=rustup|debian` or SENTIO_WASM_ROUTE.
//
// The wasm-bindgen CLI must be exactly the version of the `wasm-bindgen` crate in
// Cargo.lock. It is built from crates.io source once per version into
// ~/.cache/sentio/tools/wasm-bindgen-<ver> (SENTIO_TOOLS_DIR overrides the parent),
// shared by every clone on the machine and re-created when missing.
//
// Flags: --route=rustup|debian, --wasm-opt (off by default, see wasmOpt), --quiet.
// Plain Node built-ins only.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import zlib from 'node:zlib';
import { aptInstall as sharedAptInstall } from './lib/apt.mjs';
import { formatDuration, ROOT, run, toolEnv } from './lib/common.mjs';

const CRATE = 'sentio-wasm';
const ARTIFACT = 'sentio_wasm'; // crate name with underscores: <ARTIFACT>.wasm, pkg/<ARTIFACT>.js
const TARGET = 'wasm32-unknown-unknown';
const PROFILE = 'wasm-release';
const PKG_DIR = path.join(ROOT, 'bindings', 'wasm', 'pkg');
const DEBIAN_PACKAGES = ['rustc-web', 'cargo-web', 'rust-web-src'];
// Fallback linker package when there is no lld-<N> matching rustc-web's LLVM major.
const FALLBACK_LLD = 19;

const argv = process.argv.slice(2);
const quiet = argv.includes('--quiet');
const wantOpt = argv.includes('--wasm-opt') || process.env.SENTIO_WASM_OPT === '1';
const routeArg = argv.find((a) => a.startsWith('--route='))?.slice('--route='.length);
const unknown = argv.filter(
  (a) => !['--quiet', '--wasm-opt'].includes(a) && !a.startsWith('--route='),
);
if (unknown.length > 0) {
  console.error(`build-wasm: unknown argument(s): ${unknown.join(' ')}`);
  console.error(
    'usage: node scripts/build-wasm.mjs [--route=rustup|debian] [--wasm-opt] [--quiet]',
  );
  process.exit(2);
}

function say(msg) {
  if (!quiet) console.log(`build-wasm: ${msg}`);
}

async function output(cmd, args, env) {
  const r = await run(cmd, args, { capture: true, allowFailure: true, env });
  return r.code === 0 ? r.stdout : null;
}

// ---------------------------------------------------------------- route choice

async function chooseRoute() {
  const forced = routeArg || process.env.SENTIO_WASM_ROUTE;
  if (forced) {
    if (forced !== 'rustup' && forced !== 'debian') {
      throw new Error(`unknown route "${forced}" (expected rustup or debian)`);
    }
    return { route: forced, why: 'forced' };
  }
  let installed = null;
  try {
    installed = await output('rustup', ['target', 'list', '--installed']);
  } catch {
    installed = null; // no rustup at all
  }
  if (installed?.split(/\s+/).includes(TARGET)) {
    return { route: 'rustup', why: `rustup has the ${TARGET} target` };
  }
  return {
    route: 'debian',
    why:
      installed === null
        ? 'no rustup'
        : `rustup has no ${TARGET} target (and cannot download one here)`,
  };
}

// ---------------------------------------------------------------- apt (scripts/lib/apt.mjs)

const aptInstall = (pkgs, opts = {}) => sharedAptInstall(pkgs, { say, ...opts });

// ---------------------------------------------------------------- cargo build

async function buildRustup() {
  const env = toolEnv();
  await run('cargo', ['build', '--target', TARGET, '--profile', PROFILE, '-p', CRATE], { env });
  return path.join(ROOT, 'target', TARGET, PROFILE, `${ARTIFACT}.wasm`);
}

function findExecutable(candidates) {
  return candidates.find((p) => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

async function buildDebian() {
  await aptInstall(DEBIAN_PACKAGES);
  // `dpkg -L rustc-web cargo-web` shows /usr/bin/rustc and /usr/bin/cargo (the
  // rustup proxies live in ~/.cargo/bin, so nothing collides), and rust-web-src puts
  // the std sources at /usr/lib/rustlib/src/rust/library, where -Zbuild-std looks.
  const rustc = findExecutable(['/usr/bin/rustc', '/usr/lib/rust-web/bin/rustc']);
  const cargo = findExecutable(['/usr/bin/cargo', '/usr/lib/rust-web/bin/cargo']);
  if (!rustc || !cargo)
    throw new Error('Debian rustc-web/cargo-web installed, but no rustc/cargo binary found');

  // Link with the wasm-ld of the LLVM that rustc-web is built on (LLVM 22 for
  // 1.96), so the linker understands every object-file feature LLVM emits.
  const vv = (await output(rustc, ['-vV'])) ?? '';
  const llvmMajor = Number(/LLVM version: (\d+)/.exec(vv)?.[1]);
  let linker = null;
  for (const major of [llvmMajor, FALLBACK_LLD]) {
    if (!Number.isInteger(major)) continue;
    const ld = `/usr/lib/llvm-${major}/bin/wasm-ld`;
    if (
      findExecutable([ld]) ||
      ((await aptInstall([`lld-${major}`], { optional: true })) && findExecutable([ld]))
    ) {
      linker = ld;
      break;
    }
  }
  linker = process.env.SENTIO_WASM_LD || linker;
  if (!linker) throw new Error(`no wasm-ld found (tried lld-${llvmMajor} and lld-${FALLBACK_LLD})`);
  say(`${vv.split('\n')[0]} (LLVM ${llvmMajor}), linker ${linker}`);

  // A target dir of its own: sharing target/ with the rustup toolchain would make
  // each toolchain invalidate the other's build cache on every run.
  const targetDir = path.join(ROOT, 'target', 'wasm-debian');
  const env = toolEnv({
    RUSTC: rustc,
    // -Zbuild-std is unstable; RUSTC_BOOTSTRAP lets this stable toolchain accept it.
    RUSTC_BOOTSTRAP: '1',
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER: linker,
    CARGO_TARGET_DIR: targetDir,
  });
  // RUSTUP_TOOLCHAIN etc. mean nothing to /usr/bin/cargo; a rustup RUSTDOC would.
  delete env.RUSTDOC;
  // Cargo.lock: cargo-web 1.96 reads the lockfile version 4 written by the rustup
  // cargo (>= 1.78) and keeps it; it would only rewrite the file if resolution changed.
  await run(
    cargo,
    ['build', '--profile', PROFILE, '--target', TARGET, '-Zbuild-std=std,panic_abort', '-p', CRATE],
    { env },
  );
  return path.join(targetDir, TARGET, PROFILE, `${ARTIFACT}.wasm`);
}

// ---------------------------------------------------------------- wasm-bindgen CLI

function lockedVersion(crate) {
  const lock = fs.readFileSync(path.join(ROOT, 'Cargo.lock'), 'utf8');
  for (const block of lock.split('[[package]]')) {
    if (new RegExp(`^name = "${crate}"$`, 'm').test(block)) {
      const v = /^version = "([^"]+)"$/m.exec(block)?.[1];
      if (v) return v;
    }
  }
  throw new Error(`Cargo.lock has no ${crate} package`);
}

function toolsDir() {
  return process.env.SENTIO_TOOLS_DIR || path.join(os.homedir(), '.cache', 'sentio', 'tools');
}

async function ensureWasmBindgen(version) {
  const root = path.join(toolsDir(), `wasm-bindgen-${version}`);
  const bin = path.join(root, 'bin', 'wasm-bindgen');
  const have = fs.existsSync(bin) ? await output(bin, ['--version']) : null;
  if (have?.trim() === `wasm-bindgen ${version}`) return bin;

  say(
    `installing wasm-bindgen-cli ${version} into ${root} (compiles from crates.io, a few minutes, once per machine)`,
  );
  const started = Date.now();
  // Which cargo: rustup's if there is one, else Debian's.
  let cargo = 'cargo';
  let env = toolEnv();
  if ((await output('cargo', ['-V'], env).catch(() => null)) === null) {
    cargo = '/usr/bin/cargo';
    env = toolEnv({ RUSTC: '/usr/bin/rustc' });
  }
  // --no-default-features drops the TLS stack (rustls/ring), which only
  // wasm-bindgen-test-runner uses to download browser drivers: faster to build.
  const base = [
    'install',
    'wasm-bindgen-cli',
    '--version',
    `=${version}`,
    '--no-default-features',
    '--root',
    root,
    '--force',
  ];
  const locked = await run(cargo, [...base, '--locked'], { env, allowFailure: true });
  if (locked.code !== 0) {
    // e.g. wasm-bindgen-cli 0.2.130's lockfile pins webpki-roots 1.0.11, which the
    // registry no longer serves: resolve the dependencies afresh instead.
    say('`cargo install --locked` failed; retrying with a fresh dependency resolution');
    await run(cargo, base, { env });
  }
  const got = (await output(bin, ['--version']))?.trim();
  if (got !== `wasm-bindgen ${version}`) {
    throw new Error(`installed ${bin} reports "${got}", expected "wasm-bindgen ${version}"`);
  }
  say(`wasm-bindgen-cli ${version} installed in ${formatDuration(Date.now() - started)}`);
  return bin;
}

// ---------------------------------------------------------------- wasm-opt

// Binaryen's wasm-opt is NOT run by default, and not installed: measured here it
// does not pay (numbers in bindings/wasm/README.md).
//  - Debian's binaryen (108, 2022) predates the final reference-types encoding:
//    it rewrites wasm-bindgen's externref table as `anyref`, and the module then
//    fails in initSync ("WebAssembly.Table.set(): ... must be null ... or a Wasm
//    function object"). Rust >= 1.82 turns reference-types on by default.
//  - npm's binaryen 132 works, but is a 104 MB package, takes ~20 s, and on the
//    real binding saves 6% raw while the gzip size GROWS by 5% (measured with opt-level "s";
//    rustc's fat LTO already does most of what it does).
// `--wasm-opt` (or SENTIO_WASM_OPT=1) runs the `wasm-opt` found on PATH anyway, and
// keeps its output only if the module still instantiates in Node.
async function wasmOpt(dir, file) {
  if (!wantOpt) return;
  const bin = (await output('sh', ['-c', 'command -v wasm-opt']))?.trim();
  if (!bin) {
    say('wasm-opt: not on PATH; keeping the unoptimised module');
    return;
  }
  const tmp = `${file}.opt`;
  const before = fs.statSync(file).size;
  const r = await run(bin, ['-Os', '--all-features', file, '-o', tmp], { allowFailure: true });
  if (r.code !== 0 || !fs.existsSync(tmp)) {
    fs.rmSync(tmp, { force: true });
    say('wasm-opt failed; keeping the unoptimised module');
    return;
  }
  const original = `${file}.orig`;
  fs.renameSync(file, original);
  fs.renameSync(tmp, file);
  if (!(await instantiates(dir))) {
    fs.renameSync(original, file);
    say(
      `wasm-opt (${bin}) produced a module that does not instantiate; keeping the unoptimised one`,
    );
    return;
  }
  fs.rmSync(original);
  const after = fs.statSync(file).size;
  const pct = (((before - after) / before) * 100).toFixed(1);
  say(`wasm-opt -Os: ${before} -> ${after} bytes (${pct}% smaller)`);
}

/** Loads <dir>/<ARTIFACT>.js in a child Node and runs initSync on the .wasm beside it. */
async function instantiates(dir) {
  const js = path.join(dir, `${ARTIFACT}.js`);
  const wasm = path.join(dir, `${ARTIFACT}_bg.wasm`);
  const code = `import fs from 'node:fs'; const m = await import(${JSON.stringify(pathToFileURL(js).href)}); m.initSync({ module: fs.readFileSync(${JSON.stringify(wasm)}) });`;
  const r = await run(process.execPath, ['--input-type=module', '-e', code], {
    allowFailure: true,
  });
  return r.code === 0;
}

// ---------------------------------------------------------------- main

async function main() {
  const started = Date.now();
  const { route, why } = await chooseRoute();
  say(`route: ${route} (${why})`);
  const wasm = route === 'rustup' ? await buildRustup() : await buildDebian();
  if (!fs.existsSync(wasm)) throw new Error(`cargo succeeded but ${wasm} is missing`);

  const version = lockedVersion('wasm-bindgen');
  const wasmBindgen = await ensureWasmBindgen(version);

  // Generate into a scratch directory and swap it in, so an interrupted build
  // never leaves a half-written pkg/ behind.
  const tmpDir = `${PKG_DIR}.tmp`;
  fs.rmSync(tmpDir, { recursive: true, force: true });
  await run(wasmBindgen, [
    '--target',
    'web',
    '--out-dir',
    tmpDir,
    '--out-name',
    ARTIFACT,
    // Symbol names and toolchain versions: not needed at run time (see the
    // `strip` comment in the root Cargo.toml).
    '--remove-name-section',
    '--remove-producers-section',
    wasm,
  ]);
  const bgWasm = path.join(tmpDir, `${ARTIFACT}_bg.wasm`);
  await wasmOpt(tmpDir, bgWasm);
  if (!(await instantiates(tmpDir))) {
    throw new Error(
      `the generated module does not instantiate in Node (initSync failed): ${tmpDir}`,
    );
  }
  fs.rmSync(PKG_DIR, { recursive: true, force: true });
  fs.renameSync(tmpDir, PKG_DIR);

  const bytes = fs.readFileSync(path.join(PKG_DIR, `${ARTIFACT}_bg.wasm`));
  const gz = zlib.gzipSync(bytes, { level: 9 }).length;
  console.log(
    `build-wasm: bindings/wasm/pkg/${ARTIFACT}_bg.wasm ${bytes.length} bytes raw, ${gz} bytes gzip -9` +
      ` (route ${route}, wasm-bindgen ${version}, ${formatDuration(Date.now() - started)})`,
  );
}

main().catch((err) => {
  console.error(`build-wasm: FAILED: ${err.message}`);
  process.exit(1);
});
