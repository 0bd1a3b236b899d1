/**
 * One way to build the SentioErrors ts/data throws, so every message reads
 * `FILE:LINE: reason` and every error carries `details.{file, line, reason}`.
 * @module
 */
import { type ErrorCode, SentioError } from '../errors/index.js';

/**
 * Machine-readable kinds of malformed input, in `details.kind` (the code
 * says the area, the kind says exactly what was wrong).
 */
export type MalformedKind =
  | 'unclosed_quote'
  | 'text_after_quote'
  | 'column_count'
  | 'bad_json'
  | 'not_an_object'
  | 'bad_value'
  | 'bad_gzip'
  | 'record_too_long';

export function dataError(
  code: ErrorCode,
  file: string,
  line: number | null,
  reason: string,
  extra: Record<string, unknown> = {},
  cause?: unknown,
): SentioError {
  const where = line === null ? file : `${file}:${line}`;
  return new SentioError(
    code,
    `${where}: ${reason}`,
    { file, line, reason, ...extra },
    cause === undefined ? undefined : { cause },
  );
}
