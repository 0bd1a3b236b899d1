/**
 * A model's rules as commands and the server see them: read a rules file
 * (YAML, or JSON for `.json`), validate it and store it in monitor.db; and
 * resolve a model's effective rules (stored, else the defaults). Kept apart
 * from rules.ts so that file stays pure (no I/O).
 * @module
 */
import { readFile } from 'node:fs/promises';
import { SentioError } from '../../errors/index.js';
import { parseRuleDocument } from './rules.js';
import type { AlertStore, RuleSet } from './types.js';

/** Parse a YAML or JSON file (ALERT_RULES_INVALID when unreadable or malformed). */
export async function readRulesFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new SentioError('ALERT_RULES_INVALID', `${file}: cannot read: ${(e as Error).message}`, {
      where: file,
    });
  }
  const json = file.toLowerCase().endsWith('.json');
  try {
    // yaml is loaded only here: commands that never read a rules file do not pay for it.
    return json ? JSON.parse(text) : (await import('yaml')).parse(text);
  } catch (e) {
    throw new SentioError(
      'ALERT_RULES_INVALID',
      `${file}: not valid ${json ? 'JSON' : 'YAML'}: ${(e as Error).message}`,
      { where: file },
    );
  }
}

/** The model's effective rules: what is stored, else the defaults (also without a store). */
export async function getRuleSet(
  store: Pick<AlertStore, 'getRules'> | null,
  model: string,
): Promise<RuleSet> {
  const stored = store === null ? null : await store.getRules(model);
  if (stored === null) {
    return {
      model,
      rules: parseRuleDocument({}, 'default rules').rules,
      source: 'defaults',
      document: null,
      updatedAt: null,
      updatedBy: null,
    };
  }
  return {
    model,
    rules: parseRuleDocument(stored.document, `stored rules of ${model}`).rules,
    source: 'stored',
    document: stored.document,
    updatedAt: stored.updatedAt,
    updatedBy: stored.updatedBy,
  };
}

/** Validate `doc` (named `source` in errors) and store it as the model's rules. */
export async function setRules(
  store: AlertStore,
  model: string,
  doc: unknown,
  opts: { who: string; source?: string },
): Promise<RuleSet> {
  const parsed = parseRuleDocument(doc, opts.source ?? 'rules');
  await store.setRules(model, parsed.document, opts.who);
  return getRuleSet(store, model);
}

export async function setRulesFromFile(
  store: AlertStore,
  model: string,
  file: string,
  who: string,
): Promise<RuleSet> {
  return setRules(store, model, await readRulesFile(file), { who, source: file });
}
