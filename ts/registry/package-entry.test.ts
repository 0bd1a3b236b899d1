/** `import { openRegistry, Registry } from 'sentio'` works through package.json "exports". */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir } from './test-support/fixtures.js';

test("the package entry exports the registry API (self-reference import of 'sentio')", async (t) => {
  const name = 'sentio'; // not a literal import: resolved by Node at run time, like a user's
  const lib = (await import(name)) as typeof import('../index.js');
  for (const fn of [
    'openRegistry',
    'exportVersion',
    'importVersion',
    'gc',
    'verifyStore',
    'parseRef',
  ]) {
    assert.equal(typeof (lib as Record<string, unknown>)[fn], 'function', fn);
  }
  assert.equal(typeof lib.SentioError, 'function');
  const reg = await lib.Registry.open(path.join(tempDir(t), 'store'));
  assert.deepEqual(await reg.listModels(), []);
  await reg.close();
});
