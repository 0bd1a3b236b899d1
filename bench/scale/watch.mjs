// Run one scale point in a fresh node process and watch its memory: the
// parent polls /proc/PID/status (VmRSS) and kills the child when it passes the
// limit, so a point that would need more memory than the machine can spare is
// stopped with a note instead of swapping or being OOM-killed. The child's
// IPC messages: { type: 'progress', phase, docs } and one { type: 'result' }.
import { fork } from 'node:child_process';
import fs from 'node:fs';

function vmRss(pid) {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** MemAvailable from /proc/meminfo in bytes (null off Linux). */
export function memAvailableBytes() {
  try {
    const m = /^MemAvailable:\s+(\d+)\s+kB$/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Resolves { result } or { stopped: { reason, rss_bytes, phase, docs } };
 * rejects when the child fails otherwise. `onProgress` sees every progress message.
 */
export function runWatched(
  script,
  args,
  { limitBytes, timeoutMs, onProgress, label, pollMs = 100 },
) {
  return new Promise((resolve, reject) => {
    const child = fork(script, args, {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result;
    let stopped = null;
    let last = { phase: 'setup', docs: 0 };
    let maxPolled = 0;
    const kill = (why) => {
      if (stopped === null) {
        stopped = { ...why, ...last };
        child.kill('SIGKILL');
      }
    };
    const poll = setInterval(() => {
      const rss = vmRss(child.pid);
      if (rss === null) return;
      maxPolled = Math.max(maxPolled, rss);
      if (rss > limitBytes) kill({ reason: 'memory', rss_bytes: rss, limit_bytes: limitBytes });
    }, pollMs);
    const timer = setTimeout(() => kill({ reason: 'timeout', timeout_ms: timeoutMs }), timeoutMs);
    child.on('message', (m) => {
      if (m?.type === 'progress') {
        last = { phase: m.phase, docs: m.docs };
        onProgress?.(m);
      } else if (m?.type === 'result') {
        result = m;
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      clearTimeout(timer);
      if (stopped !== null) resolve({ stopped: { ...stopped, max_polled_rss_bytes: maxPolled } });
      else if (code === 0 && result !== undefined)
        resolve({ result: { ...result, max_polled_rss_bytes: maxPolled } });
      else
        reject(
          new Error(
            `${label}: exited with ${signal ?? `code ${code}`}${result === undefined ? ' without a result' : ''}`,
          ),
        );
    });
  });
}
