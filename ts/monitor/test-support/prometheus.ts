/**
 * Real Prometheus and Alertmanager for tests, from the Debian packages the
 * bootstrap installs (`prometheus`, `prometheus-alertmanager`; their own
 * services are never used). Each start gets a temp directory (config and
 * storage), a free port on 127.0.0.1 and short intervals, waits for
 * `/-/ready`, and `stop()` kills it and removes the directory. Output is
 * kept (last 64 KiB) for failure messages. A missing binary fails with
 * what to run, never skips.
 *
 *   const am = await startAlertmanager({ webhookUrl: rx.url });
 *   const prom = await startPrometheus({ scrapeTargets: ['127.0.0.1:8080'], rulesFile, alertmanager: am.address });
 *   ... await prom.stop(); await am.stop();
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { stringify as toYaml } from 'yaml';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';
export const PROMTOOL_BIN = '/usr/bin/promtool';
export const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';
export const AMTOOL_BIN = '/usr/bin/amtool';

/** Throws, naming the fix, when a binary is missing. */
export function requireTool(bin: string): string {
  if (!fs.existsSync(bin)) {
    throw new Error(
      `${bin} not found: install the Debian packages prometheus and prometheus-alertmanager ` +
        '(node scripts/bootstrap.mjs does it, as root or with sudo)',
    );
  }
  return bin;
}

export interface RunningService {
  /** http://127.0.0.1:PORT */
  url: string;
  /** 127.0.0.1:PORT */
  address: string;
  dir: string;
  /** What the process printed so far (tail). */
  output(): string;
  stop(): Promise<void>;
}

/** A port that was free a moment ago (the service binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

async function waitReady(url: string, child: ChildProcess, out: () => string, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${url}: exited (${child.exitCode ?? child.signalCode}) before ready:\n${out()}`,
      );
    }
    try {
      const r = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`${url}: not ready after ${timeoutMs} ms:\n${out()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function launch(
  name: string,
  bin: string,
  args: (port: number, dir: string) => string[],
  writeConfig: (dir: string) => void,
): Promise<RunningService> {
  requireTool(bin);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sentio-${name}-`));
  writeConfig(dir);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(bin, args(port, dir), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    let text = '';
    const keep = (d: Buffer) => {
      text = (text + d.toString('utf8')).slice(-65_536);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const url = `http://127.0.0.1:${port}`;
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      live.delete(child);
      fs.rmSync(dir, { recursive: true, force: true });
    };
    try {
      await waitReady(url, child, () => text, 30_000);
      return { url, address: `127.0.0.1:${port}`, dir, output: () => text, stop };
    } catch (e) {
      lastError = e;
      child.kill('SIGKILL');
      await exited;
      live.delete(child);
      if (!/address already in use/.test(text)) break; // only a lost port race is retried
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  throw lastError;
}

export interface PrometheusOptions {
  /** host:port of each /metrics endpoint (job "sentio"). */
  scrapeTargets: readonly string[];
  /** A rules file (copied into the temp directory). */
  rulesFile?: string;
  /** host:port of an Alertmanager. */
  alertmanager?: string;
  /** Scrape and evaluation interval (default "1s"). */
  interval?: string;
}

export function startPrometheus(opts: PrometheusOptions): Promise<RunningService> {
  return launch(
    'prometheus',
    PROMETHEUS_BIN,
    (port, dir) => [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=info',
    ],
    (dir) => {
      const interval = opts.interval ?? '1s';
      const config: Record<string, unknown> = {
        global: { scrape_interval: interval, evaluation_interval: interval },
        scrape_configs: [
          {
            job_name: 'sentio',
            scrape_interval: interval,
            static_configs: [{ targets: [...opts.scrapeTargets] }],
          },
        ],
      };
      if (opts.rulesFile !== undefined) {
        fs.copyFileSync(opts.rulesFile, path.join(dir, 'rules.yml'));
        config.rule_files = ['rules.yml'];
      }
      if (opts.alertmanager !== undefined) {
        config.alerting = {
          alertmanagers: [{ static_configs: [{ targets: [opts.alertmanager] }] }],
        };
      }
      fs.writeFileSync(path.join(dir, 'prometheus.yml'), toYaml(config));
    },
  );
}

export interface AlertmanagerOptions {
  webhookUrl: string;
  /** Default "1s" each: notifications within a second or two. */
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
  resolveTimeout?: string;
}

export function startAlertmanager(opts: AlertmanagerOptions): Promise<RunningService> {
  return launch(
    'alertmanager',
    ALERTMANAGER_BIN,
    (port, dir) => [
      `--config.file=${path.join(dir, 'alertmanager.yml')}`,
      `--storage.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=', // no HA gossip port
      '--log.level=info',
    ],
    (dir) => {
      const config = {
        global: { resolve_timeout: opts.resolveTimeout ?? '5s' },
        route: {
          receiver: 'webhook',
          group_by: ['alertname', 'model'],
          group_wait: opts.groupWait ?? '1s',
          group_interval: opts.groupInterval ?? '1s',
          repeat_interval: opts.repeatInterval ?? '1h',
        },
        receivers: [
          { name: 'webhook', webhook_configs: [{ url: opts.webhookUrl, send_resolved: true }] },
        ],
      };
      fs.writeFileSync(path.join(dir, 'alertmanager.yml'), toYaml(config));
    },
  );
}
