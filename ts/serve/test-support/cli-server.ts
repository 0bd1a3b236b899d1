/**
 * `sentio serve` as a real child process (the compiled CLI), for tests that
 * need the server on its own event loop or test signals and workers.
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { CLI } from './fixtures.js';

export interface ServeProcess {
  proc: ChildProcess;
  url: string;
  /** JSON log lines (stdout), parsed. */
  logs: Array<Record<string, unknown>>;
  stderr: () => string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export function spawnServe(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<ServeProcess> {
  const proc = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let err = '';
  let buf = '';
  proc.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl = buf.indexOf('\n');
    while (nl !== -1) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        logs.push(JSON.parse(line));
      } catch {
        logs.push({ raw: line });
      }
      nl = buf.indexOf('\n');
    }
  });
  const exited = new Promise<number | string>((resolve) => {
    proc.on('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`sentio serve did not start in time:\n${err}`));
    }, timeoutMs);
    proc.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /on (http:\/\/[^\s]+)/.exec(err);
      if (m !== null) {
        clearTimeout(timer);
        resolve({
          proc,
          url: m[1] as string,
          logs,
          stderr: () => err,
          exited,
          stop: (signal = 'SIGTERM') => {
            proc.kill(signal);
            return exited;
          },
        });
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`sentio serve exited (${code}) before listening:\n${err}`));
    });
  });
}
