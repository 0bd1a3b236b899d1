/**
 * A generated corpus of malformed prediction requests: hand-written cases
 * with the exact error code each must get, plus seeded random mutations of
 * valid bodies (bytes flipped, dropped, inserted, truncated) that must get
 * either a normal answer or a 4xx with a stable code.
 * @module
 */
import { mulberry32 } from '../../data/index.js';
import type { ServeLimits } from '../options.js';

export interface BodyCase {
  name: string;
  /** JSON text or raw bytes. */
  body: string | Uint8Array;
  /** Exact code, or null: "a 200 or any SERVE_* 4xx" (fuzzed cases). */
  expect: string | null;
}

export interface HttpCase extends BodyCase {
  method?: string;
  path?: string;
  contentType?: string | null;
}

const enc = new TextEncoder();
const J = (v: unknown) => JSON.stringify(v);

const INVALID_UTF8: Array<[string, number[]]> = [
  ['lone continuation byte', [0x80]],
  ['0xff', [0xff]],
  ['truncated 2-byte', [0xc3]],
  ['bad 2-byte continuation', [0xc3, 0x28]],
  ['overlong slash', [0xc0, 0xaf]],
  ['overlong 3-byte', [0xe0, 0x80, 0xaf]],
  ['UTF-16 surrogate', [0xed, 0xa0, 0x80]],
  ['beyond U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ['truncated 4-byte', [0xf0, 0x9f, 0x98]],
  ['0xfe', [0xfe]],
];

function withBytes(prefix: string, bytes: number[], suffix: string): Uint8Array {
  const a = enc.encode(prefix);
  const b = enc.encode(suffix);
  const out = new Uint8Array(a.length + bytes.length + b.length);
  out.set(a, 0);
  out.set(bytes, a.length);
  out.set(b, a.length + bytes.length);
  return out;
}

/** Body cases shared by REST and WebSocket (the WebSocket adds id + model). */
export function bodyCases(limits: ServeLimits): BodyCase[] {
  const cases: BodyCase[] = [];
  const add = (name: string, body: string | Uint8Array, expect: string) =>
    cases.push({ name, body, expect });
  // Invalid JSON
  for (const s of [
    '{',
    '}',
    '[',
    '{"text":}',
    '{"text":"a",}',
    '{"text" "a"}',
    "{'text':'a'}",
    '{"text":"a"',
    '{"text":"unterminated}',
    'text=hello',
    'nul\u0000l',
    '{"text":"a"}}',
    '{"text":"a"} trailing',
    '{"text":"\\x41"}',
    '{"text":"\\u12"}',
    '{"text": NaN}',
    '{"text": Infinity}',
    '{"texts":[1,]}',
    '[[[[[[[[[[',
    '\ufeff{"text":"bom"}',
    'undefined',
    '{text:"a"}',
    '{"text":"a"\n"explain":1}',
    '--',
    '0x10',
    '{"a":1e999999999999}x',
  ]) {
    add(`invalid JSON ${J(s).slice(0, 40)}`, s, 'SERVE_INVALID_JSON');
  }
  // Not an object
  for (const v of [1, 'text', null, true, false, [], [{ text: 'a' }], 0, -1, 1.5]) {
    add(`not an object: ${J(v)}`, J(v), 'SERVE_INVALID_REQUEST');
  }
  // Missing fields / unknown fields / both
  for (const v of [
    {},
    { explain: 3 },
    { alias: 'production' },
    { version: 1 },
    { txt: 'typo' },
    { Text: 'case' },
    { text: 'a', extra: 1 },
    { text: 'a', texts: ['b'] },
    { __proto__: { text: 'a' } },
    { constructor: { prototype: {} } },
  ]) {
    add(`shape ${J(v)}`, J(v), 'SERVE_INVALID_REQUEST');
  }
  add('__proto__ key', '{"__proto__":{"text":"a"}}', 'SERVE_INVALID_REQUEST');
  // Wrong types
  for (const v of [1, 0, true, null, {}, [], ['a'], { text: 'a' }, 1e308]) {
    add(`text of type ${J(v)}`, J({ text: v }), 'SERVE_INVALID_REQUEST');
  }
  for (const v of ['a', 1, true, null, {}, { 0: 'a' }]) {
    add(`texts of type ${J(v)}`, J({ texts: v }), 'SERVE_INVALID_REQUEST');
  }
  add('texts empty', J({ texts: [] }), 'SERVE_INVALID_REQUEST');
  for (const v of [1, null, true, {}, ['a'], 0]) {
    add(`texts item ${J(v)}`, J({ texts: ['ok', v] }), 'SERVE_INVALID_REQUEST');
  }
  for (const v of ['3', -1, 1.5, limits.maxExplainFeatures + 1, 1e9, {}, [], 'true']) {
    add(`explain ${J(v)}`, J({ text: 'a', explain: v }), 'SERVE_INVALID_REQUEST');
  }
  for (const v of [
    1,
    '',
    ' ',
    'has space',
    '1abc',
    'a'.repeat(65),
    {},
    null,
    'semi;colon',
    'ünï',
  ]) {
    add(`alias ${J(v)}`, J({ text: 'a', alias: v }), 'SERVE_INVALID_REQUEST');
  }
  for (const v of ['1', 0, -1, 1.5, null, true, {}, 2 ** 60, 'v1']) {
    add(`version ${J(v)}`, J({ text: 'a', version: v }), 'SERVE_INVALID_REQUEST');
  }
  // Empty / whitespace
  for (const s of ['', ' ', '   ', '\n', '\t\r\n', '\u00a0', '\u2003\u2028', ' \f\v ']) {
    add(`empty text ${J(s)}`, J({ text: s }), 'SERVE_EMPTY_TEXT');
    add(`empty batch item ${J(s)}`, J({ texts: ['fine', s] }), 'SERVE_EMPTY_TEXT');
  }
  // Over the limits
  add(
    'text one over the limit',
    J({ text: 'a'.repeat(limits.maxTextChars + 1) }),
    'SERVE_TEXT_TOO_LONG',
  );
  add(
    'batch item over the limit',
    J({ texts: ['ok', 'b'.repeat(limits.maxTextChars + 1)] }),
    'SERVE_TEXT_TOO_LONG',
  );
  add(
    'batch one over the count',
    J({ texts: Array.from({ length: limits.maxBatchTexts + 1 }, () => 'x') }),
    'SERVE_BATCH_TOO_LARGE',
  );
  add(
    'explain on too many texts',
    J({ texts: Array.from({ length: limits.maxExplainTexts + 1 }, () => 'x'), explain: 2 }),
    'SERVE_BATCH_TOO_LARGE',
  );
  // Unknown version / alias (the model is known)
  add('version not loaded', J({ text: 'a', version: 9999 }), 'SERVE_VERSION_NOT_LOADED');
  add('alias not served', J({ text: 'a', alias: 'staging' }), 'SERVE_ALIAS_NOT_SERVED');
  // Invalid UTF-8, in and out of strings
  for (const [name, bytes] of INVALID_UTF8) {
    add(
      `invalid UTF-8 in text: ${name}`,
      withBytes('{"text":"abc', bytes, 'def"}'),
      'SERVE_INVALID_UTF8',
    );
    add(
      `invalid UTF-8 outside strings: ${name}`,
      withBytes('{"text":"abc"', bytes, '}'),
      'SERVE_INVALID_UTF8',
    );
    add(
      `invalid UTF-8 in a key: ${name}`,
      withBytes('{"te', bytes, 'xt":"abc"}'),
      'SERVE_INVALID_UTF8',
    );
  }
  return cases;
}

const VALID_BODIES = [
  { text: 'great phone, love the battery' },
  { texts: ['awful', 'superb value', 'meh'] },
  { text: 'not good at all', explain: 3 },
  { text: 'fine', alias: 'production' },
  { texts: ['a b c'], version: 1 },
];
const INSERTS = '{}[]",:\\ 0123456789aeltx\u00e9\n-+.';

/** Seeded random corruptions of valid bodies. */
export function fuzzCases(n: number, seed: number): BodyCase[] {
  const rand = mulberry32(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)] as T;
  const out: BodyCase[] = [];
  for (let i = 0; i < n; i++) {
    const base = enc.encode(J(pick(VALID_BODIES)));
    const bytes = Array.from(base);
    const edits = 1 + Math.floor(rand() * 3);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(rand() * (bytes.length + 1));
      switch (Math.floor(rand() * 5)) {
        case 0:
          bytes[Math.min(at, bytes.length - 1)] = Math.floor(rand() * 256);
          break;
        case 1:
          bytes.splice(at, 1);
          break;
        case 2:
          bytes.splice(at, 0, ...enc.encode(pick([...INSERTS])));
          break;
        case 3:
          bytes.length = Math.max(0, Math.min(bytes.length, at));
          break;
        default:
          bytes.splice(at, 0, Math.floor(128 + rand() * 128));
      }
    }
    out.push({ name: `fuzz #${i}`, body: Uint8Array.from(bytes), expect: null });
  }
  return out;
}

/** REST-only cases: media types, routes, methods, body size. */
export function httpOnlyCases(limits: ServeLimits): HttpCase[] {
  const ok = J({ text: 'fine' });
  const cases: HttpCase[] = [];
  for (const ct of [
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    'image/png',
    'application/jsonx',
  ]) {
    cases.push({
      name: `content type ${ct}`,
      body: ok,
      contentType: ct,
      expect: 'SERVE_UNSUPPORTED_MEDIA_TYPE',
    });
  }
  cases.push({
    name: 'no content type',
    body: ok,
    contentType: null,
    expect: 'SERVE_UNSUPPORTED_MEDIA_TYPE',
  });
  cases.push({ name: 'empty JSON body', body: '', expect: 'SERVE_INVALID_JSON' });
  cases.push({
    name: 'body over the limit',
    body: J({ text: 'z'.repeat(limits.maxBodyBytes + 10) }),
    expect: 'SERVE_BODY_TOO_LARGE',
  });
  cases.push({
    name: 'unknown model',
    body: ok,
    path: '/v1/models/nope/predict',
    expect: 'SERVE_MODEL_NOT_FOUND',
  });
  cases.push({
    name: 'model name too long for the router',
    body: ok,
    path: `/v1/models/${'m'.repeat(300)}/predict`,
    expect: 'SERVE_BAD_HTTP_REQUEST',
  });
  const routes: Array<[string, string]> = [
    ['/v1/predict', 'SERVE_ROUTE_NOT_FOUND'],
    ['/v1/models/sentiment', 'SERVE_ROUTE_NOT_FOUND'],
    ['/v2/models/sentiment/predict', 'SERVE_ROUTE_NOT_FOUND'],
    ['/v1/models//predict', 'SERVE_MODEL_NOT_FOUND'],
    ['/%zz', 'SERVE_BAD_HTTP_REQUEST'],
  ];
  for (const [p, code] of routes)
    cases.push({ name: `POST ${p}`, body: ok, path: p, expect: code });
  for (const m of ['PUT', 'DELETE', 'PATCH']) {
    cases.push({ name: `${m} predict`, body: ok, method: m, expect: 'SERVE_ROUTE_NOT_FOUND' });
  }
  return cases;
}
