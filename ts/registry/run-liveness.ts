/**
 * The read-time `interrupted` status. A run is stored `running` until the
 * process that runs it closes it; a process killed outright (SIGKILL, the OOM
 * killer, a crash, a reboot) never does. Every run records its host and pid,
 * so a reader on the same host can tell whether that process still exists:
 * if not, the run reads `interrupted`. Nothing is written — readers may have
 * a read-only store, and only a run's own process writes its status — and the
 * check costs one kill(pid, 0) per running run of this host.
 *
 * Runs of other hosts, and runs recorded before pids were, stay `running`:
 * nothing here can tell. A recycled pid (a new process that got the dead
 * one's number) makes a dead run look alive until that process ends.
 * @module
 */
import { currentHost } from './provenance.js';
import type { RunRecord } from './types.js';

/** Whether a process with this pid exists (possibly someone else's). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: existence and permission check, nothing is sent
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to another user. Anything but ESRCH is not proof of death.
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** The run as read on `host`: `interrupted` when it is `running` here but its process is gone. */
export function withLiveness(run: RunRecord, host: string = currentHost()): RunRecord {
  if (run.status !== 'running' || run.host !== host) return run;
  // 0 and negative pids name process groups for kill(): never probe those.
  if (run.pid === null || !Number.isSafeInteger(run.pid) || run.pid <= 0) return run;
  return processExists(run.pid) ? run : { ...run, status: 'interrupted' };
}
