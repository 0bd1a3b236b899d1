/**
 * Facts recorded with every run and alias move: who, on which host, with
 * which Sentio, at which git commit. The commit is read from the `.git`
 * directory directly (HEAD → ref file or packed-refs), so no git binary is
 * needed and a missing or odd repository simply yields null.
 * @module
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const manifest = JSON.parse(
  fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
) as { version: string };

export const SENTIO_VERSION: string = manifest.version;

/**
 * The user part of "who": env `SENTIO_USER` when set (CI bots, tests, shared
 * accounts — an advisory identity for local use: anyone who can run the CLI
 * can set it, so it is not authentication), else the OS account name.
 */
export function currentUser(): string {
  const override = process.env.SENTIO_USER?.trim();
  if (override) return override;
  try {
    return os.userInfo().username;
  } catch {
    // Containers without a passwd entry for the uid.
    return process.env.USER ?? process.env.USERNAME ?? `uid${process.getuid?.() ?? '?'}`;
  }
}

export function currentHost(): string {
  return os.hostname();
}

/** `user@host`, the default "who" of alias moves. */
export function whoAmI(): string {
  return `${currentUser()}@${currentHost()}`;
}

const SHA1_OR_256 = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** The git directory of the repository containing `start`, or null. */
function findGitDir(start: string): string | null {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const dotGit = path.join(dir, '.git');
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(dotGit);
    } catch {
      st = undefined;
    }
    if (st?.isDirectory()) return dotGit;
    if (st?.isFile()) {
      // Worktrees and submodules: ".git" is a file "gitdir: <path>".
      const m = /^gitdir:\s*(.+)\s*$/m.exec(readText(dotGit) ?? '');
      return m?.[1] ? path.resolve(dir, m[1].trim()) : null;
    }
    if (path.dirname(dir) === dir) return null;
  }
}

/** The commit HEAD points to in the repository around `cwd`, or null. */
export function gitCommit(cwd: string = process.cwd()): string | null {
  const gitDir = findGitDir(cwd);
  if (gitDir === null) return null;
  const head = readText(path.join(gitDir, 'HEAD'))?.trim();
  if (!head) return null;
  if (SHA1_OR_256.test(head)) return head;
  const ref = /^ref:\s*(\S+)$/.exec(head)?.[1];
  if (!ref || ref.includes('..')) return null;
  // Linked worktrees keep shared refs in the "commondir".
  const common = readText(path.join(gitDir, 'commondir'))?.trim();
  const dirs = [gitDir, ...(common ? [path.resolve(gitDir, common)] : [])];
  for (const d of dirs) {
    const loose = readText(path.join(d, ref))?.trim();
    if (loose && SHA1_OR_256.test(loose)) return loose;
  }
  for (const d of dirs) {
    for (const line of (readText(path.join(d, 'packed-refs')) ?? '').split('\n')) {
      const [sha, name] = line.trim().split(' ');
      if (name === ref && sha && SHA1_OR_256.test(sha)) return sha;
    }
  }
  return null; // a branch without commits yet
}
