// What machine and software a bench ran on.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function cpuModel() {
  try {
    const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const m = /^model name\s*:\s*(.+)$/m.exec(info);
    if (m) return m[1].trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

function git(args, cwd) {
  try {
    return execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

/** Load average now (1, 5, 15 min) with a timestamp: recorded around each phase. */
export function loadSample(label) {
  const [l1, l5, l15] = os.loadavg();
  return { label, at: new Date().toISOString(), loadavg_1m: l1, loadavg_5m: l5, loadavg_15m: l15 };
}

export function machineInfo(repoRoot) {
  const status = git(['status', '--porcelain'], repoRoot);
  return {
    cpu_model: cpuModel(),
    logical_cpus: os.cpus().length,
    available_parallelism: os.availableParallelism?.() ?? os.cpus().length,
    memory_total_bytes: os.totalmem(),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    os_release: (() => {
      try {
        const m = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(fs.readFileSync('/etc/os-release', 'utf8'));
        return m ? m[1] : null;
      } catch {
        return null;
      }
    })(),
    node: process.version,
    v8: process.versions.v8,
    git_commit: git(['rev-parse', 'HEAD'], repoRoot),
    git_dirty_paths: status === null ? null : status.split('\n').filter(Boolean).length,
  };
}

/** The version of npm package `name` installed in `repoRoot`/node_modules. */
export function packageVersion(repoRoot, name) {
  const file = path.join(repoRoot, 'node_modules', name, 'package.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')).version;
}

/**
 * This process's own peak RSS in bytes from /proc/self/status (VmHWM), or
 * null off Linux. Unlike getrusage's ru_maxrss (process.resourceUsage().maxRSS),
 * it cannot carry over a parent's high-water mark: Linux copies the parent's
 * (lazily updated) RSS high-water mark into a forked child and keeps it across
 * exec, so a child forked from a large process can report that process's peak.
 */
export function vmHwmBytes() {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}
