// A throwaway PostgreSQL server for the serve bench's PostgreSQL-logging
// variant: the tests' cluster (dist/registry/test-support/postgres.js:
// Debian's `postgresql` package, `initdb` into a temp directory, `pg_ctl
// start` on a free 127.0.0.1 port, run as the `postgres` system user when we
// are root) but configured as a deployment would be for a prediction log
// rather than for a test: fsync and full-page writes on (a crash loses no
// committed batch), commits not waited for (`synchronous_commit = off`, like
// SQLite's synchronous=NORMAL: at most the last moments of logging are lost
// to a crash). Sentio connects over TCP with a password, as the non-superuser
// `sentio`.
import fs from 'node:fs';
import path from 'node:path';
import { postgresMissing, startPostgres } from '../../dist/registry/test-support/postgres.js';

/** Whether the server can run here: null when it can, else why not. */
export { postgresMissing };

/**
 * Start a server; returns { url (a fresh database owned by `sentio`), version, pids(), stop() }.
 * `pids()`: the server's processes (postmaster and backends), for CPU accounting.
 */
export async function startBenchPostgres() {
  const cluster = await startPostgres({
    settings: {
      fsync: 'on',
      full_page_writes: 'on',
      shared_buffers: '256MB',
      max_wal_size: '2GB',
      max_connections: 100,
    },
  });
  try {
    const url = await cluster.createDatabase('sentio_bench');
    await cluster.psql('sentio_bench', "ALTER DATABASE sentio_bench SET timezone TO 'UTC'");
    const version = (await cluster.psql('postgres', 'SHOW server_version')).trim();
    const postmaster = Number(
      fs.readFileSync(path.join(cluster.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0],
    );
    return {
      url,
      version,
      /** Another empty database owned by `sentio`; its URL. */
      createDatabase: (name) => cluster.createDatabase(name),
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
      stop: cluster.stop,
    };
  } catch (e) {
    cluster.stop();
    throw e;
  }
}
