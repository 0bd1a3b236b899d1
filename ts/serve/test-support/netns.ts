/**
 * Hosts for multi-host tests: a Linux network namespace per "host" (`ip
 * netns`, run as root), joined to the test's own namespace by two veth
 * pairs: one it reaches the database over, one its clients reach it over,
 * so a test can cut a host off from the database (the database link's
 * host-side end down) while still sending it requests. Addresses:
 * 10.231.N.0/30 (database link, the test's end .1) and 10.232.N.0/30
 * (client link, the namespace's end .2), N derived from the test
 * process's pid so concurrent test files do not collide.
 * @module
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ServeProcess } from './cli-server.js';
import { CLI } from './fixtures.js';

export interface NetHost {
  ns: string;
  /** The test's address on the database link: the database host as this namespace sees it. */
  dbAddress: string;
  /** The namespace's address on the client link: where its server is reached. */
  address: string;
  cut(): void;
  restore(): void;
  destroy(): void;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** Whether this process can make namespaces (root with iproute2). */
export function canMakeNamespaces(): boolean {
  try {
    return process.getuid?.() === 0 && execFileSync('ip', ['-V']).length > 0;
  } catch {
    return false;
  }
}

export function makeHost(i: number): NetHost {
  const n = ((process.pid % 60) * 4 + i) % 250;
  const tag = `${(process.pid % 46656).toString(36)}${i}`;
  const ns = `sentio-${tag}`;
  const [dbH, dbN, cH, cN] = ['dh', 'dn', 'ch', 'cn'].map((s) => `s${tag}${s}`) as [
    string,
    string,
    string,
    string,
  ];
  const destroy = () => {
    for (const l of [dbH, cH]) {
      try {
        ip('link', 'del', l);
      } catch {}
    }
    try {
      ip('netns', 'del', ns);
    } catch {}
  };
  destroy(); // leftovers of a killed run
  ip('netns', 'add', ns);
  ip('-n', ns, 'link', 'set', 'lo', 'up');
  for (const [h, inner, net] of [
    [dbH, dbN, 231],
    [cH, cN, 232],
  ] as const) {
    ip('link', 'add', h, 'type', 'veth', 'peer', 'name', inner);
    ip('link', 'set', inner, 'netns', ns);
    ip('addr', 'add', `10.${net}.${n}.1/30`, 'dev', h);
    ip('-n', ns, 'addr', 'add', `10.${net}.${n}.2/30`, 'dev', inner);
    ip('link', 'set', h, 'up');
    ip('-n', ns, 'link', 'set', inner, 'up');
  }
  return {
    ns,
    dbAddress: `10.231.${n}.1`,
    address: `10.232.${n}.2`,
    cut: () => ip('link', 'set', dbH, 'down'),
    restore: () => ip('link', 'set', dbH, 'up'),
    destroy,
  };
}

/** `sentio serve` inside a host's namespace, listening on its client address. */
export function serveIn(host: NetHost, args: string[], timeoutMs = 30_000): Promise<ServeProcess> {
  const proc = spawn(
    'ip',
    [
      'netns',
      'exec',
      host.ns,
      process.execPath,
      CLI,
      'serve',
      '--port',
      '0',
      '--host',
      host.address,
      ...args,
    ],
    { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  const exited = new Promise<number | string>((resolve) => {
    proc.on('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`sentio serve in ${host.ns} did not start in time:\n${err}`));
    }, timeoutMs);
    proc.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /on (http:\/\/[^\s]+)/.exec(err);
      if (m !== null) {
        clearTimeout(timer);
        resolve({
          proc,
          url: m[1] as string,
          logs: [],
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
      reject(new Error(`sentio serve in ${host.ns} exited (${code}) before listening:\n${err}`));
    });
  });
}
