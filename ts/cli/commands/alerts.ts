/**
 * `sentio alerts`: a model's alert rules (`rules set|show|reset`), the
 * current alerts (`list`), their history (`history`, `--deliveries` for what
 * the notifiers did; `prune` trims it), and `evaluate`, one evaluation of every rule against
 * the logged traffic — what `sentio serve` does on a schedule, for cron or a
 * check by hand (webhooks with `--webhook URL`, signed with the secret in
 * $SENTIO_ALERT_WEBHOOK_SECRET). Alerts live in `<store>/monitor.db`.
 * @module
 */
import type { Command } from 'commander';
import { SentioError } from '../../errors/index.js';
import {
  AlertEngine,
  type AlertStore,
  getRuleSet,
  monitorStoreExists,
  openAlertStore,
  openMonitorStore,
  parseDuration,
  ruleDocument,
  SignalCollector,
  setRulesFromFile,
  WebhookNotifier,
} from '../../monitor/index.js';
import { whoAmI } from '../../registry/index.js';
import { color, printJson } from '../output.js';
import { resolveStoreDir, storeOption, withRegistry } from '../store.js';
import { alertsView, deliveriesView, historyView, rulesView } from './alerts-view.js';

interface Common {
  store?: string;
  json?: boolean;
}

function bad(option: string, message: string): SentioError {
  return new SentioError('ALERT_BAD_OPTION', `${option}: ${message}`, { option });
}

/** Open the alert store of an existing monitor.db (migrating it if it is older). */
async function existingStore(o: Common): Promise<AlertStore> {
  const dir = resolveStoreDir(o);
  if (!(await monitorStoreExists(dir))) return openAlertStore(dir, { readonly: true }); // NOT_FOUND
  return openAlertStore(dir);
}

async function withStore<T>(store: AlertStore, fn: (s: AlertStore) => Promise<T>): Promise<T> {
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function positive(option: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1)
    throw bad(option, `expected a positive integer, got "${text}"`);
  return n;
}

function registerRules(alerts: Command): void {
  const rules = alerts
    .command('rules')
    .description("a model's alert rules (defaults unless set)")
    .addHelpText(
      'after',
      `
Rules file (YAML or JSON). Entries named like a default change only the fields given:
  defaults: true
  rules:
    - name: drift
      for: 30m
    - name: token_drift
      kind: drift
      signal: token_js
      threshold: 0.3
      severity: critical
    - name: latency_p99
      enabled: false
Kinds: drift, accuracy, expected_accuracy, error_rate, latency_p99, volume_drop, rollout_aborted.`,
    );

  storeOption(
    rules
      .command('set')
      .description("validate a rules file and make it the model's rules")
      .argument('<name>', 'model name')
      .argument('<file>', 'rules file (.yaml, .yml or .json)')
      .option('--json', 'print the effective rules as JSON'),
  ).action(async (name: string, file: string, o: Common) => {
    await withRegistry(o, 'read', (reg) => reg.getModel(name)); // REGISTRY_NOT_FOUND on a typo
    await withStore(await openAlertStore(resolveStoreDir(o)), async (store) => {
      const set = await setRulesFromFile(store, name, file, whoAmI());
      if (o.json) return printJson({ ...set, rules: set.rules.map(ruleDocument) });
      process.stdout.write(`${color.green('Set')} ${rulesView(set)}\n`);
    });
  });

  storeOption(
    rules
      .command('show')
      .description("print a model's effective rules")
      .argument('<name>', 'model name')
      .option('--json', 'print JSON ({ model, source, document, rules, ... })'),
  ).action(async (name: string, o: Common) => {
    const dir = resolveStoreDir(o);
    const store = (await monitorStoreExists(dir)) ? await openAlertStore(dir) : null;
    const set = store
      ? await withStore(store, (s) => getRuleSet(s, name))
      : await getRuleSet(null, name);
    if (o.json) return printJson({ ...set, rules: set.rules.map(ruleDocument) });
    process.stdout.write(`${rulesView(set)}\n`);
  });

  storeOption(
    rules
      .command('reset')
      .description('drop the stored rules of a model (back to the defaults)')
      .argument('<name>', 'model name'),
  ).action(async (name: string, o: Common) => {
    await withStore(await existingStore(o), async (store) => {
      const removed = await store.deleteRules(name);
      process.stdout.write(
        removed
          ? `${color.green('Reset')} the rules of ${color.bold(name)} to the defaults\n`
          : `${name} had no stored rules (it uses the defaults)\n`,
      );
    });
  });
}

interface ListOptions extends Common {
  model?: string;
  all?: boolean;
}

interface HistoryOptions extends Common {
  model?: string;
  since?: string;
  limit: string;
  deliveries?: boolean;
}

interface EvaluateOptions extends Common {
  model: string[];
  window: string;
  webhook: string[];
}

export function registerAlerts(program: Command): void {
  const alerts = program
    .command('alerts')
    .description('alert rules, current alerts and their history');
  registerRules(alerts);

  storeOption(
    alerts
      .command('list')
      .description('current alerts: firing and pending (--all: also resolved and inactive)')
      .option('--model <name>', 'only this model')
      .option('--all', 'include resolved and inactive alerts')
      .option('--json', 'print JSON'),
  ).action(async (o: ListOptions) => {
    await withStore(await existingStore(o), async (store) => {
      const list = await store.alerts({
        ...(o.model !== undefined ? { model: o.model } : {}),
        ...(o.all ? {} : { states: ['firing', 'pending'] as const }),
      });
      if (o.json) return printJson(list);
      process.stdout.write(`${alertsView(list)}\n`);
    });
  });

  storeOption(
    alerts
      .command('history')
      .description('alert state changes, oldest first (--deliveries: what each notifier did)')
      .option('--model <name>', 'only this model')
      .option('--since <duration>', 'only the last 30m, 1d, 7d, ...')
      .option('--limit <n>', 'the newest n entries', '100')
      .option('--deliveries', 'show notification deliveries instead of state changes')
      .option('--json', 'print JSON'),
  ).action(async (o: HistoryOptions) => {
    const filter = {
      ...(o.model !== undefined ? { model: o.model } : {}),
      ...(o.since !== undefined ? { since: Date.now() - parseDuration(o.since, '--since') } : {}),
      limit: positive('--limit', o.limit) as number,
    };
    await withStore(await existingStore(o), async (store) => {
      if (o.deliveries) {
        const d = await store.deliveries(filter);
        if (o.json) return printJson(d);
        return void process.stdout.write(`${deliveriesView(d)}\n`);
      }
      const events = await store.history(filter);
      if (o.json) return printJson(events);
      process.stdout.write(`${historyView(events)}\n`);
    });
  });

  storeOption(
    alerts
      .command('prune')
      .description('delete alert history, deliveries and closed alerts older than --max-age')
      .requiredOption('--max-age <duration>', 'e.g. 90d')
      .option('--json', 'print what was deleted as JSON'),
  ).action(async (o: Common & { maxAge: string }) => {
    const before = Date.now() - parseDuration(o.maxAge, '--max-age');
    await withStore(await existingStore(o), async (store) => {
      const r = await store.prune(before);
      if (o.json) return printJson(r);
      process.stdout.write(
        `deleted ${r.events} state changes, ${r.deliveries} deliveries and ${r.alerts} closed alerts older than ${o.maxAge}\n`,
      );
    });
  });

  storeOption(
    alerts
      .command('evaluate')
      .description(
        'evaluate every rule once against the logged traffic (as the server does each minute)',
      )
      .option(
        '--model <name>',
        'only these models (repeatable; default: every model with recent traffic)',
        (v: string, acc: string[]) => [...acc, v],
        [] as string[],
      )
      .option('--window <duration>', 'traffic window (and the one before it, for volume)', '1h')
      .option(
        '--webhook <url>',
        'also POST notifications here (repeatable; signed with $SENTIO_ALERT_WEBHOOK_SECRET)',
        (v: string, acc: string[]) => [...acc, v],
        [] as string[],
      )
      .option('--json', 'print JSON ({ at, transitions, open })'),
  ).action(async (o: EvaluateOptions) => {
    const windowMs = parseDuration(o.window, '--window');
    const secret = process.env.SENTIO_ALERT_WEBHOOK_SECRET;
    const notifiers = o.webhook.map(
      (url) => new WebhookNotifier({ url, ...(secret ? { secret } : {}), maxAttempts: 3 }),
    );
    const dir = resolveStoreDir(o);
    const store = await existingStore(o); // first: migrates an older monitor.db
    const backend = await openMonitorStore(dir, { readonly: true }).catch(async (e) => {
      await store.close();
      throw e;
    });
    try {
      await withRegistry(o, 'read', async (registry) => {
        const collector = new SignalCollector({
          backend,
          registry,
          windowMs,
          ...(o.model.length > 0 ? { models: () => o.model } : {}),
        });
        const engine = new AlertEngine({
          signals: () => collector.collect(),
          store,
          notifiers,
          onError: (e) => process.stderr.write(`${color.yellow('warning')}: ${String(e)}\n`),
        });
        const r = await engine.evaluate();
        await engine.stop();
        const open = await engine.open();
        const mine = o.model.length > 0 ? open.filter((a) => o.model.includes(a.model)) : open;
        if (o.json) {
          return printJson({
            at: new Date(r.at).toISOString(),
            models: r.models,
            failed: r.failed,
            transitions: r.transitions.map((t) => ({
              ...t.alert,
              from: t.from,
              to: t.to,
              notify: t.notify,
            })),
            open: mine,
          });
        }
        process.stdout.write(
          `evaluated ${r.models} model(s), ${r.transitions.length} change(s)${r.failed.length ? color.red(`, failed: ${r.failed.join(', ')}`) : ''}\n`,
        );
        if (r.transitions.length > 0) {
          for (const t of r.transitions) {
            process.stdout.write(
              `  ${t.alert.model} ${t.alert.rule} ${t.from} → ${t.to}: ${t.alert.summary}\n`,
            );
          }
        }
        process.stdout.write(`\n${alertsView(mine)}\n`);
        if (r.failed.length > 0) process.exitCode = 1;
      });
    } finally {
      await store.close();
      await backend.close();
    }
  });
}
