// Helpers shared by scripts/bootstrap.mjs, scripts/build-wasm.mjs and scripts/run-tests.mjs.
// Plain Node (>= 20) built-ins only: these scripts run before `npm install`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file is scripts/lib/common.mjs). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Error carrying the step and command that failed, for a clear final message. */
export class CommandError extends Error {
  constructor(message, { command, code, signal, logFile } = {}) {
    super(message);
    this.command = command;
    this.code = code;
    this.signal = signal;
    this.logFile = logFile;
  }
}

/**
 * Environment for child processes. When rustup is present its proxies
 * (~/.cargo/bin) are put first on PATH: build-wasm.mjs may install Debian's
 * /usr/bin/cargo and /usr/bin/rustc, which must never shadow the rustup
 * toolchain that the native build, clippy, rustfmt and cargo test use.
 */
export function toolEnv(extra = {}) {
  const env = { ...process.env, ...extra };
  const cargoHome = process.env.CARGO_HOME || path.join(os.homedir(), '.cargo');
  const cargoBin = path.join(cargoHome, 'bin');
  if (fs.existsSync(path.join(cargoBin, 'rustup'))) {
    const rest = (env.PATH || '').split(path.delimiter).filter((p) => p && p !== cargoBin);
    env.PATH = [cargoBin, ...rest].join(path.delimiter);
  }
  return env;
}

/** A binary installed by `npm install` in the root node_modules. */
export function npmBin(name) {
  return path.join(ROOT, 'node_modules', '.bin', name);
}

export function formatDuration(ms) {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

export function quoteCommand(cmd, args) {
  return [cmd, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

/**
 * Runs a command without a shell and without stdin.
 * - `logFile`: send stdout+stderr there instead of the terminal; its tail is
 *   printed if the command fails.
 * - `capture`: resolve with the command's stdout (stderr still goes to the terminal).
 * - `tee`: show stdout+stderr as usual and also resolve with both as `output`.
 * - `allowFailure`: resolve with { code } instead of rejecting.
 */
export function run(cmd, args = [], opts = {}) {
  const { cwd = ROOT, env = toolEnv(), logFile, allowFailure = false, tee = false } = opts;
  const capture = opts.capture || tee;
  const shown = quoteCommand(cmd, args);
  return new Promise((resolve, reject) => {
    let out;
    let stdio = ['ignore', 'inherit', 'inherit'];
    if (logFile) {
      fs.mkdirSync(path.dirname(logFile), { recursive: true });
      out = fs.openSync(logFile, 'a');
      fs.writeSync(out, `\n$ ${shown}   (cwd ${path.relative(ROOT, cwd) || '.'})\n`);
      stdio = ['ignore', capture ? 'pipe' : out, out];
    } else if (tee) {
      stdio = ['ignore', 'pipe', 'pipe'];
    } else if (capture) {
      stdio = ['ignore', 'pipe', 'inherit'];
    }
    let stdout = '';
    let child;
    try {
      child = spawn(cmd, args, { cwd, env, stdio });
    } catch (err) {
      reject(new CommandError(`cannot start ${shown}: ${err.message}`, { command: shown }));
      return;
    }
    let output = '';
    if (tee) {
      for (const [stream, sink] of [
        [child.stdout, process.stdout],
        [child.stderr, process.stderr],
      ]) {
        stream.setEncoding('utf8');
        stream.on('data', (d) => {
          output += d;
          sink.write(d);
        });
      }
    } else if (capture) {
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (d) => {
        stdout += d;
      });
    }
    child.on('error', (err) => {
      if (out !== undefined) fs.closeSync(out);
      const why = err.code === 'ENOENT' ? 'command not found' : err.message;
      reject(new CommandError(`cannot run ${shown}: ${why}`, { command: shown, logFile }));
    });
    child.on('close', (code, signal) => {
      if (out !== undefined) fs.closeSync(out);
      if (code === 0 || allowFailure) {
        resolve({ code, signal, stdout, output });
        return;
      }
      if (logFile) printLogTail(logFile);
      const how = signal ? `killed by ${signal}` : `exit code ${code}`;
      reject(
        new CommandError(`${shown} failed (${how})`, { command: shown, code, signal, logFile }),
      );
    });
  });
}

function printLogTail(logFile, lines = 60) {
  try {
    const text = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n');
    process.stderr.write(`--- last ${Math.min(lines, text.length)} lines of ${logFile} ---\n`);
    process.stderr.write(`${text.slice(-lines).join('\n')}\n---\n`);
  } catch {
    // nothing to show
  }
}

export function exists(p) {
  return fs.existsSync(p);
}
