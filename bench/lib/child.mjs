// Run a Node script in a fresh child process and get back the one result it
// sends over IPC (process.send). Its stdout/stderr pass through to ours,
// prefixed, so that chatty packages cannot corrupt the result. With
// `onRound`, the child may also send `{ kind: 'round', ... }` messages: each
// is handed to `onRound` (awaited), then the child is sent `{ cmd: 'next' }`,
// so parent and child can take turns measuring.
import { fork } from 'node:child_process';

export function runNodeChild(
  script,
  args,
  { timeoutMs, env, execArgv = [], label = 'child', onRound } = {},
) {
  return new Promise((resolve, reject) => {
    const child = fork(script, args, {
      env: { ...process.env, ...env },
      execArgv,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let result;
    let timedOut = false;
    const timer =
      timeoutMs === undefined
        ? null
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, timeoutMs);
    const relay = (stream, out) => {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (s) => {
        const lines = (rest + s).split('\n');
        rest = lines.pop();
        for (const line of lines) out.write(`  [${label}] ${line}\n`);
      });
      stream.on('end', () => {
        if (rest) out.write(`  [${label}] ${rest}\n`);
      });
    };
    relay(child.stdout, process.stdout);
    relay(child.stderr, process.stderr);
    child.on('message', (m) => {
      // A child that alternates with the parent reports each round and
      // waits for `{ cmd: 'next' }`; its last message is the result.
      if (m?.kind === 'round' && onRound) {
        Promise.resolve(onRound(m)).then(
          // A child that died meanwhile is reported by its exit.
          () => child.connected && child.send({ cmd: 'next' }),
          (err) => {
            child.kill('SIGKILL');
            reject(err);
          },
        );
        return;
      }
      result = m;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (timedOut) {
        const e = new Error(
          `${label}: killed after the time limit of ${Math.round(timeoutMs / 1000)} s`,
        );
        e.timedOut = true;
        reject(e);
      } else if (code !== 0 || result === undefined) {
        reject(
          new Error(
            `${label}: exited with ${signal ?? `code ${code}`}${result === undefined ? ' without a result' : ''}`,
          ),
        );
      } else {
        resolve(result);
      }
    });
  });
}
