/**
 * `--workers N`: N server processes sharing one port through node:cluster
 * (the primary accepts connections and hands them round-robin to workers).
 * Each worker is a complete server with its own models and its own watcher,
 * so each hot-swaps by itself. The primary only supervises: it reports when
 * every worker is ready, restarts a worker that dies (at most once a second),
 * and on SIGTERM/SIGINT asks every worker to shut down gracefully and waits.
 * @module
 */
import cluster, { type Worker } from 'node:cluster';
import type { RunningServer } from './server.js';

export interface WorkerReady {
  type: 'sentio-serve-ready';
  url: string;
  workerId: number;
  pid: number;
}

export function isClusterWorker(): boolean {
  return cluster.isWorker;
}

export function clusterWorkerId(): number | null {
  return cluster.isWorker ? (cluster.worker?.id ?? null) : null;
}

/** In a worker: tell the primary this worker serves. */
export function announceReady(server: RunningServer): void {
  const msg: WorkerReady = {
    type: 'sentio-serve-ready',
    url: server.url,
    workerId: clusterWorkerId() ?? 0,
    pid: process.pid,
  };
  process.send?.(msg);
}

export interface PrimaryHooks {
  /** Every worker is up (called once). */
  onReady: (url: string, pids: number[]) => void;
  /** A worker failed before the cluster was ready: start-up failed. */
  onStartFailed: (code: number | null) => void;
  log: (line: string) => void;
}

/** Run the primary; resolves when every worker has exited after a shutdown. */
export function runPrimary(workers: number, hooks: PrimaryHooks): Promise<number> {
  return new Promise((resolve) => {
    const ready = new Map<number, number>();
    let announced = false;
    let stopping = false;
    let lastRestart = 0;
    let result = 0;
    const finishIfDone = () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) resolve(result);
    };
    const fork = (): Worker => {
      const w = cluster.fork();
      w.on('message', (m: WorkerReady) => {
        if (m?.type !== 'sentio-serve-ready') return;
        ready.set(w.id, m.pid);
        if (!announced && ready.size === workers) {
          announced = true;
          hooks.onReady(m.url, [...ready.values()]);
        }
      });
      return w;
    };
    cluster.on('exit', (w, code, signal) => {
      ready.delete(w.id);
      if (stopping) {
        finishIfDone();
        return;
      }
      if (!announced) {
        // A worker that cannot start (bad model, port taken) fails the whole command.
        stopping = true;
        for (const other of Object.values(cluster.workers ?? {})) other?.process.kill('SIGTERM');
        result = code || 1;
        hooks.onStartFailed(code);
        finishIfDone();
        return;
      }
      hooks.log(`worker ${w.process.pid} exited (${signal ?? code}); starting a new one`);
      const wait = Math.max(0, lastRestart + 1000 - Date.now());
      lastRestart = Date.now() + wait;
      setTimeout(fork, wait);
    });
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      hooks.log(`${signal}: stopping ${workers} workers gracefully`);
      const alive = Object.values(cluster.workers ?? {});
      finishIfDone();
      for (const w of alive) w?.process.kill('SIGTERM');
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    for (let i = 0; i < workers; i++) fork();
  });
}
