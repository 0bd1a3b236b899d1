/**
 * Model references: `NAME` (latest), `NAME@3` (version), `NAME@latest`,
 * `NAME@ALIAS`. Parsing is pure so commands can validate a ref before
 * opening a store.
 * @module
 */
import { badRef } from './errors.js';
import { isAliasName } from './names.js';

export type ParsedRef =
  | { model: string; kind: 'latest' }
  | { model: string; kind: 'version'; version: number }
  | { model: string; kind: 'alias'; alias: string };

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function parseRef(ref: string): ParsedRef {
  if (typeof ref !== 'string' || ref.trim() === '') throw badRef(String(ref), 'empty');
  const parts = ref.split('@');
  if (parts.length > 2) throw badRef(ref, 'more than one "@"');
  const [model = '', selector] = parts;
  if (!NAME.test(model)) throw badRef(ref, `"${model}" is not a valid model name`);
  if (selector === undefined || selector === 'latest') return { model, kind: 'latest' };
  if (selector === '') throw badRef(ref, 'nothing after "@"');
  if (/^v?\d+$/.test(selector)) {
    const version = Number(selector.replace(/^v/, ''));
    if (!Number.isSafeInteger(version) || version < 1) {
      throw badRef(ref, 'versions are integers from 1');
    }
    return { model, kind: 'version', version };
  }
  if (!isAliasName(selector)) throw badRef(ref, `"${selector}" is neither a version nor an alias`);
  return { model, kind: 'alias', alias: selector };
}

/** `NAME@3`, or the bare `NAME` when there is no version. */
export function formatRef(model: string, version?: number | null): string {
  return version === undefined || version === null ? model : `${model}@${version}`;
}
