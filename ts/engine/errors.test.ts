// toEngineError: the one translation of thrown values into EngineErrors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineError, isEngineError, toEngineError } from './errors.js';

function coded(code: string, message = 'm'): Error {
  return Object.assign(new Error(message), { code });
}

test('binding errors keep their stable code and message, with the original as cause', () => {
  for (const code of [
    'MODEL_CHECKSUM',
    'INVALID_UTF8',
    'TRAINER_BUSY',
    'PANIC',
    'INVALID_ARGUMENT',
  ]) {
    const original = coded(code, `core says ${code}`);
    const e = toEngineError(original);
    assert.ok(e instanceof EngineError && e instanceof Error);
    assert.equal(e.code, code);
    assert.equal(e.message, `core says ${code}`);
    assert.equal(e.cause, original);
    assert.equal(e.name, 'EngineError');
    assert.ok(isEngineError(e, code as EngineError['code']));
  }
});

test('runtime failures map to PANIC, INVALID_ARGUMENT or INTERNAL', () => {
  assert.equal(toEngineError(new WebAssembly.RuntimeError('unreachable')).code, 'PANIC');
  assert.equal(toEngineError(coded('StringExpected')).code, 'INVALID_ARGUMENT');
  assert.equal(toEngineError(new TypeError('expected a string')).code, 'INVALID_ARGUMENT');
  assert.equal(toEngineError(coded('GenericFailure')).code, 'INTERNAL');
  assert.equal(toEngineError(new Error('boom')).code, 'INTERNAL');
  assert.equal(toEngineError('a string').message, 'a string');
  const e = new EngineError('IO_ERROR', 'x');
  assert.equal(toEngineError(e), e);
});
