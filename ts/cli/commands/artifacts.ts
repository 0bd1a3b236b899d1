/**
 * `sentio artifacts verify`: re-hash every stored artifact and check the
 * database; exits non-zero when anything is corrupt or missing.
 * @module
 */
import type { Command } from 'commander';
import { SentioError } from '../../errors/index.js';
import { type StoreVerifyReport, verifyStore } from '../../registry/index.js';
import { color, printJson, table } from '../output.js';
import { storeOption, withRegistry } from '../store.js';

export function registerArtifacts(program: Command): void {
  const artifacts = program
    .command('artifacts')
    .description('check the content-addressed artifact store');
  storeOption(
    artifacts
      .command('verify')
      .description(
        're-hash every artifact, report corrupt and missing ones (exit 7 if any) and check the database',
      )
      .option('--json', 'print the report as JSON'),
  ).action(async (opts: { json?: boolean; store?: string }) => {
    const report = await withRegistry(opts, 'read', (reg) => verifyStore(reg));
    if (opts.json) printJson(report);
    else process.stdout.write(`${verifyView(report)}\n`);
    failIfBroken(report);
  });
}

function verifyView(r: StoreVerifyReport): string {
  const lines: string[] = [];
  if (r.problems.length > 0) {
    lines.push(
      table(
        ['problem', 'sha256', 'referenced by'],
        r.problems.map((p) => [
          color.red(p.problem),
          p.sha256,
          p.references.map((x) => `${x.model}@${x.version} ${x.name}`).join(', ') ||
            '(unreferenced)',
        ]),
      ),
      '',
    );
  }
  const dbOk = r.database.length === 1 && r.database[0] === 'ok';
  lines.push(
    `${r.checked} artifacts checked (${r.referenced} referenced): ` +
      `${r.corrupt.length ? color.red(`${r.corrupt.length} corrupt`) : '0 corrupt'}, ` +
      `${r.missing.length ? color.red(`${r.missing.length} missing`) : '0 missing'}; ` +
      `database ${dbOk ? 'ok' : color.red(r.database.join('; '))}`,
  );
  lines.push(
    r.ok ? color.green('Store is healthy.') : color.red('Store has problems (see above).'),
  );
  return lines.join('\n');
}

function failIfBroken(r: StoreVerifyReport): void {
  if (r.corrupt.length > 0) {
    throw new SentioError(
      'ARTIFACT_CORRUPT',
      `${r.corrupt.length} corrupt artifact(s)${r.missing.length ? ` and ${r.missing.length} missing` : ''}`,
      { corrupt: r.corrupt, missing: r.missing },
    );
  }
  if (r.missing.length > 0) {
    throw new SentioError(
      'ARTIFACT_MISSING',
      `${r.missing.length} referenced artifact(s) missing`,
      {
        missing: r.missing,
      },
    );
  }
  if (!r.ok) {
    throw new SentioError(
      'REGISTRY_STORE_INVALID',
      `database check failed: ${r.database.join('; ')}`,
    );
  }
}
