/**
 * A throwaway PostgreSQL cluster for tests, from Debian's `postgresql`
 * package (bootstrap step "postgresql"): `initdb` into a temp directory,
 * `pg_ctl start` on a free 127.0.0.1 port with its Unix socket in that
 * directory, nothing durable (fsync off: a test cluster never survives a
 * crash anyway). PostgreSQL refuses to run as root, so as root the cluster
 * runs as the package's `postgres` system user (`runuser`), in a temp
 * directory that user owns. One cluster per test file (process): start it
 * once, make a fresh database per test with `createDatabase()`.
 *
 * The tests connect over TCP as the non-superuser `sentio` with a password
 * (scram-sha-256), like a deployment would; the helper itself administers
 * through the socket as the superuser.
 *
 * Not installed → an Error naming the bootstrap step, so PostgreSQL test
 * variants fail (never skip) on a machine that lacks it.
 * @module
 */
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Where Debian puts the server binaries: /usr/lib/postgresql/<major>/bin, the newest
 * installed major (15 on Debian 12); SENTIO_PG_BIN overrides.
 */
export const PG_BIN = process.env.SENTIO_PG_BIN ?? debianPgBin();

function debianPgBin(): string {
  let majors: string[] = [];
  try {
    majors = fs.readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  } catch {
    // not installed: reported by startPostgres()
  }
  return `/usr/lib/postgresql/${majors[0] ?? '15'}/bin`;
}
export const PG_USER = 'sentio';
export const PG_PASSWORD = 'sentio-test-password';
const DIR_PREFIX = 'sentio-pg-';

export interface TestPostgres {
  /** Admin URL of the `postgres` database (for tools and tests that need one). */
  url: string;
  host: string;
  port: number;
  /** The socket directory (the cluster's temp dir). */
  socketDir: string;
  /** The cluster's data directory (in `socketDir`; `postmaster.pid` names the server's process). */
  dataDir: string;
  /** A fresh, empty database owned by `sentio`; returns its URL (with the password). */
  createDatabase(name?: string): Promise<string>;
  dropDatabase(name: string): Promise<void>;
  /** Run SQL as the superuser in `database` (psql, so DDL and triggers work as written). */
  psql(database: string, sql: string): Promise<string>;
  /** Stop the server (`pg_ctl stop -m fast`), keeping its data, as an outage would. */
  halt(): Promise<void>;
  /** Start a halted server again on the same port. */
  resume(): Promise<void>;
  stop(): void;
}

function missing(what: string): string {
  return (
    `PostgreSQL is not installed (${what}): run \`node scripts/bootstrap.mjs\` ` +
    '(its optional "postgresql" step runs apt-get install postgresql), or set SENTIO_PG_BIN ' +
    'to a directory with initdb, pg_ctl and psql'
  );
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/** Why a cluster cannot be started here (what is not installed), or null when it can. */
export function postgresMissing(): string | null {
  for (const tool of ['initdb', 'pg_ctl', 'psql']) {
    if (!fs.existsSync(path.join(PG_BIN, tool))) return missing(`no ${path.join(PG_BIN, tool)}`);
  }
  if (isRoot() && spawnSync('id', ['-u', 'postgres'], { stdio: 'ignore' }).status !== 0) {
    return missing('no "postgres" system user to run the server as');
  }
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** As root: run as the `postgres` system user; otherwise as ourselves. */
function asServerUser(cmd: string, args: string[]): [string, string[]] {
  if (isRoot()) {
    return ['runuser', ['-u', 'postgres', '--', cmd, ...args]];
  }
  return [cmd, args];
}

async function pg(tool: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const [cmd, argv] = asServerUser(path.join(PG_BIN, tool), args);
  try {
    const { stdout } = await run(cmd, argv, {
      env: { ...process.env, ...env, LC_ALL: 'C.UTF-8' },
      maxBuffer: 16 << 20,
    });
    return stdout;
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new Error(`${tool} ${args.join(' ')} failed: ${err.stderr || err.message}`);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Stop and delete clusters left by test processes that died without cleaning up. */
function reapStale(): void {
  for (const name of fs.readdirSync(os.tmpdir())) {
    const m = new RegExp(`^${DIR_PREFIX}(\\d+)-`).exec(name);
    if (!m || pidAlive(Number(m[1]))) continue;
    const dir = path.join(os.tmpdir(), name);
    const data = path.join(dir, 'data');
    if (fs.existsSync(path.join(data, 'postmaster.pid'))) {
      const [cmd, argv] = asServerUser(path.join(PG_BIN, 'pg_ctl'), [
        '-D',
        data,
        '-m',
        'immediate',
        'stop',
      ]);
      spawnSync(cmd, argv, { stdio: 'ignore', timeout: 10_000 });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface StartPostgresOptions {
  /**
   * Also accept TCP connections on every address (password logins from any
   * host), for tests whose clients live in other network namespaces.
   */
  listenAll?: boolean;
  /**
   * Server settings (`-c name=value`) over the test defaults (fsync,
   * full_page_writes and synchronous_commit off, max_connections 200):
   * e.g. `fsync: 'on'` for a cluster configured as a deployment would be.
   */
  settings?: Record<string, string | number>;
}

export async function startPostgres(opts: StartPostgresOptions = {}): Promise<TestPostgres> {
  const why = postgresMissing();
  if (why !== null) throw new Error(why);
  reapStale();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${DIR_PREFIX}${process.pid}-`));
  if (isRoot()) {
    const id = (flag: string) =>
      Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
    fs.chownSync(dir, id('-u'), id('-g'));
  }
  const data = path.join(dir, 'data');
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    const [cmd, argv] = asServerUser(path.join(PG_BIN, 'pg_ctl'), [
      '-D',
      data,
      '-m',
      'immediate',
      'stop',
    ]);
    spawnSync(cmd, argv, { stdio: 'ignore', timeout: 15_000 });
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stop);
  try {
    await pg('initdb', [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '-N',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
    ]);
    if (opts.listenAll) {
      fs.appendFileSync(path.join(data, 'pg_hba.conf'), 'host all all 0.0.0.0/0 scram-sha-256\n');
    }
    const settings: Record<string, string | number> = {
      listen_addresses: opts.listenAll ? "'*'" : '127.0.0.1',
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      max_connections: 200,
      ...opts.settings,
    };
    let port = 0;
    const startArgs = () => [
      '-D',
      data,
      '-w',
      '-t',
      '30',
      '-l',
      path.join(dir, 'server.log'),
      '-o',
      [
        `-p ${port}`,
        `-k ${dir}`,
        ...Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`),
      ].join(' '),
      'start',
    ];
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await pg('pg_ctl', startArgs());
        break;
      } catch (e) {
        if (attempt >= 3) {
          const log = fs.existsSync(path.join(dir, 'server.log'))
            ? fs.readFileSync(path.join(dir, 'server.log'), 'utf8')
            : '';
          throw new Error(`${(e as Error).message}\n${log}`);
        }
      }
    }
    const psql = (database: string, sql: string) =>
      pg('psql', [
        '-h',
        dir,
        '-p',
        String(port),
        '-U',
        'postgres',
        '-d',
        database,
        '-v',
        'ON_ERROR_STOP=1',
        '-qAt',
        '-c',
        sql,
      ]);
    await psql(
      'postgres',
      `CREATE ROLE ${PG_USER} LOGIN CREATEDB PASSWORD '${PG_PASSWORD}'; ALTER DATABASE template1 SET timezone TO 'UTC'`,
    );
    let n = 0;
    const host = '127.0.0.1';
    const userUrl = (db: string) =>
      `postgres://${PG_USER}:${encodeURIComponent(PG_PASSWORD)}@${host}:${port}/${db}`;
    return {
      url: userUrl('postgres'),
      host,
      port,
      socketDir: dir,
      dataDir: data,
      async createDatabase(name) {
        const db = name ?? `t${process.pid}_${++n}`;
        await psql('postgres', `CREATE DATABASE "${db}" OWNER ${PG_USER}`);
        return userUrl(db);
      },
      async dropDatabase(name) {
        await psql('postgres', `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      },
      psql,
      async halt() {
        await pg('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      },
      async resume() {
        await pg('pg_ctl', startArgs());
      },
      stop,
    };
  } catch (e) {
    stop();
    throw e;
  }
}

let shared: Promise<TestPostgres> | undefined;

/** The test file's one cluster, started on first use and stopped when the process exits. */
export function sharedPostgres(): Promise<TestPostgres> {
  shared ??= startPostgres();
  return shared;
}
