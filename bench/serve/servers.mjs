// Start the servers under test as child processes, each on its own event
// loop, and wait until they answer.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { MODEL, MODEL_CONFIG, REPO_ROOT, TRAIN_CSV } from './config.mjs';

const CLI = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');
const PEERS = path.join(REPO_ROOT, 'bench', 'serve', 'peers');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitHttp(url, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(url);
      if (r.status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up in ${ms} ms`);
}

function child(cmd, args, { onStdout } = {}) {
  const proc = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  proc.stderr.on('data', (d) => {
    err += d.toString();
  });
  proc.stdout.on('data', (d) => {
    out += d.toString();
    onStdout?.(out);
  });
  const exited = new Promise((resolve) => proc.on('exit', (code, sig) => resolve(code ?? sig)));
  return {
    proc,
    stderr: () => err,
    stdout: () => out,
    exited,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** `sentio serve` on the store; stdout keeps its JSON logs (swap timings). */
export async function startSentio(store, extra = [], name = 'sentio') {
  const port = await freePort();
  const c = child(process.execPath, [
    CLI,
    'serve',
    '--store',
    store,
    '--model',
    `${MODEL}@production`,
    '--port',
    String(port),
    '--log-level',
    'info',
    ...extra,
  ]);
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(`${url}/readyz`, 60_000);
  return { ...c, url, name };
}

/** A Node peer script that prints {"port": N} when listening. */
export async function startPeer(script, name) {
  let resolvePort;
  const portP = new Promise((r) => {
    resolvePort = r;
  });
  const c = child(process.execPath, [path.join(PEERS, script), '0'], {
    onStdout: (out) => {
      const m = /\{"port":(\d+)\}/.exec(out);
      if (m) resolvePort(Number(m[1]));
    },
  });
  const port = await Promise.race([
    portP,
    c.exited.then((code) => {
      throw new Error(`${name} exited (${code}): ${c.stderr()}`);
    }),
  ]);
  return { ...c, url: `http://127.0.0.1:${port}`, name };
}

/** The seed's stack: FastAPI + uvicorn + the scikit-learn bigram pipeline, fitted at start-up. */
export async function startFastApi() {
  const port = await freePort();
  const python = path.join(REPO_ROOT, '.venv', 'bin', 'python');
  const c = child(python, [
    path.join(REPO_ROOT, 'bench', 'peers', 'fastapi_server.py'),
    '--train',
    TRAIN_CSV,
    '--config',
    JSON.stringify(MODEL_CONFIG),
    '--name',
    MODEL,
    '--port',
    String(port),
  ]);
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(`${url}/healthz`, 300_000);
  return { ...c, url, name: 'fastapi-sklearn' };
}
