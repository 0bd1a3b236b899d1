/**
 * `sentio history NAME [--env ENV] [--at TIME]`: every environment move
 * (time, from → to, who, reason, gate results) and deployment event of a
 * model, and which version served at an instant.
 * @module
 */
import type { Command } from 'commander';
import { history } from '../../deploy/index.js';
import { printJson } from '../output.js';
import { storeOption, withRegistry } from '../store.js';
import { historyGateDetails, historyText } from './deploy-view.js';

interface HistoryCliOptions {
  store?: string;
  json?: boolean;
  env?: string;
  at?: string;
  gates?: boolean;
}

export function registerHistory(program: Command): void {
  storeOption(
    program
      .command('history')
      .description(
        "a model's environment moves and deployment events (who, when, why, gate results); --at answers which version served then",
      )
      .argument('<model>', 'model name')
      .option('--env <env>', 'only this environment')
      .option(
        '--at <time>',
        'which version served at this instant (ISO 8601, e.g. 2026-05-01T12:00Z; UTC unless a zone is given)',
      )
      .option('--gates', 'print the full gate table of every gated move and refusal')
      .option('--json', 'print JSON ({ model, env, entries, at })'),
  ).action(async (model: string, opts: HistoryCliOptions) => {
    await withRegistry(opts, 'read', async (reg) => {
      const h = await history(reg, {
        model,
        ...(opts.env !== undefined ? { env: opts.env } : {}),
        ...(opts.at !== undefined ? { at: opts.at } : {}),
      });
      if (opts.json) return printJson(h);
      process.stdout.write(`${historyText(h)}\n`);
      if (opts.gates) {
        const details = historyGateDetails(h.entries);
        if (details) process.stdout.write(`\n${details}\n`);
      }
    });
  });
}
