// Installing Debian packages from the bootstrap (plain Node built-ins only).
// The same rules as scripts/build-wasm.mjs: ask dpkg's status file what is
// installed (no process per package), `apt-get install -y --no-install-recommends`
// as root or through `sudo -n`, and `apt-get update` once when the lists are
// stale ("Unable to locate package" on a machine that never fetched them).
import fs from 'node:fs';
import { run, toolEnv } from './common.mjs';

/** True when dpkg lists `pkg` as "install ok installed". */
export function dpkgInstalled(pkg) {
  try {
    const status = fs.readFileSync('/var/lib/dpkg/status', 'utf8');
    const re = new RegExp(
      `^Package: ${pkg.replace(/[.+]/g, '\\$&')}\\n(?:[^\\n]+\\n)*?Status: ([^\\n]+)`,
      'm',
    );
    return re.exec(status)?.[1] === 'install ok installed';
  } catch {
    return false;
  }
}

let aptUpdated = false;

/**
 * Install the packages of `pkgs` that are missing. Resolves true when they are
 * all installed afterwards; false (optional) or throws (required) otherwise.
 * `say` prints progress; `logFile` receives apt's output.
 */
export async function aptInstall(pkgs, { optional = false, say = () => {}, logFile } = {}) {
  const missing = pkgs.filter((p) => !dpkgInstalled(p));
  if (missing.length === 0) return true;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const sudo = root ? [] : ['sudo', '-n'];
  const env = toolEnv({ DEBIAN_FRONTEND: 'noninteractive' });
  const apt = async (args) => {
    const [cmd, ...rest] = [...sudo, 'apt-get', ...args];
    try {
      return (await run(cmd, rest, { env, allowFailure: true, logFile })).code === 0;
    } catch {
      return false; // no apt-get, no sudo
    }
  };
  const install = [
    '-y',
    '-q',
    '-o',
    'DPkg::Lock::Timeout=300',
    'install',
    '--no-install-recommends',
    ...missing,
  ];
  say(`apt-get install ${missing.join(' ')}`);
  if (await apt(install)) return true;
  if (!aptUpdated) {
    say('apt-get install failed; running apt-get update once and retrying');
    aptUpdated = true;
    await apt(['-q', '-o', 'DPkg::Lock::Timeout=300', 'update']);
    if (await apt(install)) return true;
  }
  if (optional) return false;
  throw new Error(
    `could not install Debian packages ${missing.join(', ')}` +
      (root ? '' : ' (not root, and `sudo -n` did not work: install them by hand)'),
  );
}
