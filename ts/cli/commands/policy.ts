/**
 * `sentio policy show|set|clear NAME`: a model's deployment policy — metric
 * gates per environment, parity, approvals, canary thresholds — kept in the
 * store and set from a YAML or JSON file that can live in git.
 * @module
 */
import type { Command } from 'commander';
import { stringify as toYaml } from 'yaml';
import { clearPolicy, setPolicyFromFile, showPolicy } from '../../deploy/index.js';
import { color, printJson } from '../output.js';
import { storeOption, withRegistry } from '../store.js';

interface PolicyCliOptions {
  store?: string;
  json?: boolean;
  reason?: string;
}

const EXAMPLE = `gates:
  production: [accuracy >= 0.85, macro_f1 >= prod - 0.01, log_loss <= prod + 0.02]
  staging: [accuracy >= 0.7]
parity: true
approval: [production]
canary: { min_requests: 200, max_error_rate: 0.05, max_p99_ms: null, max_disagreement: 0.25 }`;

export function registerPolicy(program: Command): void {
  const policy = program
    .command('policy')
    .description(
      "show, set or clear a model's deployment policy (gates, parity, approvals, canary thresholds)",
    )
    .addHelpText('after', `\nPolicy file (YAML or JSON):\n${EXAMPLE}\n`);

  storeOption(
    policy
      .command('show')
      .description("print a model's policy")
      .argument('<model>', 'model name')
      .option('--json', 'print JSON ({ model, policy, updatedAt, updatedBy })'),
  ).action(async (model: string, opts: PolicyCliOptions) => {
    await withRegistry(opts, 'read', async (reg) => {
      const p = await showPolicy(reg, model);
      if (opts.json) return printJson(p);
      if (Object.keys(p.policy).length === 0) {
        process.stdout.write(
          `${color.bold(model)} has no policy: no metric gates, parity reported only, no approvals, default canary thresholds.\nSet one with: sentio policy set ${model} FILE\n`,
        );
        return;
      }
      process.stdout.write(
        `${color.dim(`# policy of ${model}, set ${p.updatedAt} by ${p.updatedBy}`)}\n${toYaml(p.policy)}`,
      );
    });
  });

  storeOption(
    policy
      .command('set')
      .description('replace the policy of a model with a YAML or JSON file (validated first)')
      .argument('<model>', 'model name')
      .argument('<file>', 'policy file (.yaml, .yml or .json)')
      .option('--reason <text>', 'why (kept in the history)')
      .option('--json', 'print the stored policy as JSON'),
  ).action(async (model: string, file: string, opts: PolicyCliOptions) => {
    await withRegistry(opts, 'update', async (reg) => {
      await setPolicyFromFile(reg, model, file, {
        ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
      });
      const p = await showPolicy(reg, model);
      if (opts.json) return printJson(p);
      process.stdout.write(
        `${color.green('Set')} the policy of ${color.bold(model)}:\n${toYaml(p.policy)}`,
      );
    });
  });

  storeOption(
    policy
      .command('clear')
      .description('remove every gate, approval and canary default of a model')
      .argument('<model>', 'model name')
      .option('--reason <text>', 'why (kept in the history)')
      .option('--json', 'print the (empty) policy as JSON'),
  ).action(async (model: string, opts: PolicyCliOptions) => {
    await withRegistry(opts, 'update', async (reg) => {
      await clearPolicy(reg, model, {
        ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
      });
      if (opts.json) return printJson(await showPolicy(reg, model));
      process.stdout.write(`${color.green('Cleared')} the policy of ${color.bold(model)}\n`);
    });
  });
}
