/**
 * `sentio train --config sentio.yaml|.json`: the same options as the flags,
 * in a file that can live in git so a run can be reproduced. Keys may be
 * written like the flags (`min-df`), in snake_case or in camelCase. Relative
 * `data` / `test` paths are resolved against the file's folder, so the file
 * works from any working directory.
 * @module
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { SentioError } from '../errors/index.js';
import type { RawOptions } from './options.js';
import { normalizeKey } from './sweep.js';

/** Keys a config file may hold, in flag spelling. */
export const CONFIG_KEYS = [
  'data',
  'test',
  'model',
  'text-column',
  'label-column',
  'test-fraction',
  'seed',
  'experiment',
  'description',
  'tags',
  'tag',
  'sweep',
  'metric',
  'register',
  'kfold',
  'ngram',
  'min-df',
  'max-df',
  'max-features',
  'sublinear-tf',
  'norm',
  'alpha',
  'nb',
  'hashing',
] as const;

function camel(key: string): string {
  return key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Parse config text (YAML is a superset of JSON, but JSON files get JSON's errors). */
export function parseConfigText(text: string, file: string): RawOptions {
  let doc: unknown;
  try {
    doc = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new SentioError(
      'TRAIN_CONFIG_FILE',
      `${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`,
      { file },
    );
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new SentioError('TRAIN_CONFIG_FILE', `${file}: expected a map of options at the top`, {
      file,
    });
  }
  const out: RawOptions = {};
  for (const [rawKey, value] of Object.entries(doc)) {
    const key = normalizeKey(rawKey);
    if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
      throw new SentioError(
        'TRAIN_CONFIG_FILE',
        `${file}: unknown option "${rawKey}" (known: ${CONFIG_KEYS.join(', ')})`,
        { file, key: rawKey },
      );
    }
    out[camel(key)] = value;
  }
  const dir = path.dirname(path.resolve(file));
  for (const key of ['data', 'test']) {
    const v = out[key];
    if (typeof v === 'string' && v !== '' && !path.isAbsolute(v)) out[key] = path.join(dir, v);
  }
  return out;
}

/** Read and parse a config file; unreadable files fail with TRAIN_CONFIG_FILE. */
export async function loadConfigFile(file: string): Promise<RawOptions> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new SentioError(
      'TRAIN_CONFIG_FILE',
      `${file}: cannot read the config file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      { file },
    );
  }
  return parseConfigText(text, file);
}
