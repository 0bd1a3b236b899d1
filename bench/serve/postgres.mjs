// A throwaway PostgreSQL server for the serve bench's PostgreSQL-logging
// variant, like the tests' (ts/registry/test-support/postgres.ts: Debian's
// `postgresql` package, `initdb` into a temp directory, `pg_ctl start` on a
// free 127.0.0.1 port, run as the `postgres` system user when we are root)
// but configured as a deployment would be for a prediction log rather than
// for a test: fsync on (a crash loses no committed batch), commits not
// waited for (`synchronous_commit = off`, like SQLite's synchronous=NORMAL:
// at most the last moments of logging are lost to a crash). Sentio connects
// over TCP with a password, as the non-superuser `sentio`.
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const USER = 'sentio';
const PASSWORD = 'sentio-bench-password';

function pgBin() {
  if (process.env.SENTIO_PG_BIN) return process.env.SENTIO_PG_BIN;
  let majors = [];
  try {
    majors = fs.readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  } catch {
    // not installed: reported below
  }
  return `/usr/lib/postgresql/${majors[0] ?? '15'}/bin`;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;
const asServerUser = (cmd, args) =>
  isRoot() ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];

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

/** The server's PostgreSQL version and whether it can run here (null: it can; else why not). */
export function postgresMissing() {
  const bin = pgBin();
  for (const tool of ['initdb', 'pg_ctl', 'psql']) {
    if (!fs.existsSync(path.join(bin, tool))) {
      return `no ${path.join(bin, tool)} (run node scripts/bootstrap.mjs: its "postgresql" step installs it)`;
    }
  }
  if (isRoot() && spawnSync('id', ['-u', 'postgres'], { stdio: 'ignore' }).status !== 0) {
    return 'no "postgres" system user to run the server as';
  }
  return null;
}

/**
 * Start a server; returns { url (a fresh database owned by `sentio`), version, pids(), stop() }.
 * `pids()`: the server's processes (postmaster and backends), for CPU accounting.
 */
export async function startBenchPostgres() {
  const why = postgresMissing();
  if (why !== null) throw new Error(`PostgreSQL is not available: ${why}`);
  const bin = pgBin();
  const pg = async (tool, args) => {
    const [cmd, argv] = asServerUser(path.join(bin, tool), args);
    try {
      const { stdout } = await run(cmd, argv, {
        env: { ...process.env, LC_ALL: 'C.UTF-8' },
        maxBuffer: 16 << 20,
      });
      return stdout;
    } catch (e) {
      throw new Error(`${tool} ${args.join(' ')} failed: ${e.stderr || e.message}`);
    }
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentio-bench-pg-'));
  if (isRoot()) {
    const id = (flag) =>
      Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
    fs.chownSync(dir, id('-u'), id('-g'));
  }
  const data = path.join(dir, 'data');
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    const [cmd, argv] = asServerUser(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', 'stop']);
    spawnSync(cmd, argv, { stdio: 'ignore', timeout: 30_000 });
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
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
    ]);
    const port = await freePort();
    await pg('pg_ctl', [
      '-D',
      data,
      '-w',
      '-t',
      '60',
      '-l',
      path.join(dir, 'server.log'),
      '-o',
      [
        `-p ${port}`,
        `-k ${dir}`,
        '-c listen_addresses=127.0.0.1',
        '-c synchronous_commit=off',
        '-c shared_buffers=256MB',
        '-c max_wal_size=2GB',
        '-c max_connections=100',
      ].join(' '),
      'start',
    ]);
    const psql = (database, sql) =>
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
    await psql('postgres', `CREATE ROLE ${USER} LOGIN PASSWORD '${PASSWORD}'`);
    await psql('postgres', `CREATE DATABASE sentio_bench OWNER ${USER}`);
    await psql('sentio_bench', "ALTER DATABASE sentio_bench SET timezone TO 'UTC'");
    const version = (await psql('postgres', 'SHOW server_version')).trim();
    const postmaster = Number(
      fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0],
    );
    const urlOf = (db) =>
      `postgres://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/${db}`;
    return {
      url: urlOf('sentio_bench'),
      version,
      /** Another empty database owned by `sentio`; its URL. */
      async createDatabase(name) {
        await psql('postgres', `CREATE DATABASE ${name} OWNER ${USER}`);
        return urlOf(name);
      },
      /** The postmaster and its children (backends, checkpointer, WAL writer...). */
      pids() {
        const out = [postmaster];
        for (const p of fs.readdirSync('/proc')) {
          if (!/^\d+$/.test(p)) continue;
          try {
            const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
            const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
            if (ppid === postmaster) out.push(Number(p));
          } catch {
            // gone
          }
        }
        return out;
      },
      /**
       * CPU seconds the server has used so far (user + system): the postmaster and its
       * processes now, plus what the postmaster collected from the ones that exited.
       */
      cpuSeconds() {
        let ticks = 0;
        for (const pid of this.pids()) {
          try {
            const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
            const x = f.slice(f.lastIndexOf(')') + 2).split(' ');
            ticks += Number(x[11]) + Number(x[12]);
            if (pid === postmaster) ticks += Number(x[13]) + Number(x[14]);
          } catch {
            // gone between listing and reading
          }
        }
        return ticks / 100;
      },
      stop,
    };
  } catch (e) {
    stop();
    throw e;
  }
}
