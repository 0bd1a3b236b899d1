/**
 * A child process that writes artifacts forever (large random blobs, via put
 * and putFile alternately), printing "ready" after the first one. The crash
 * test SIGKILLs it mid-write and checks the store holds no partial object.
 *
 *   node dist/registry/test-support/put-worker.js STORE SCRATCH_FILE
 *
 * STORE is any store location (a directory or a postgres:// URL).
 * @module
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { openRegistry } from '../open.js';

const [storeDir, scratch] = process.argv.slice(2);
if (!storeDir || !scratch) {
  process.stderr.write('usage: put-worker STORE SCRATCH_FILE\n');
  process.exit(2);
}
const store = (await openRegistry(storeDir)).artifacts;
for (let i = 0; ; i++) {
  const bytes = randomBytes(4 * 1024 * 1024);
  if (i % 2 === 0) {
    await store.put(bytes);
  } else {
    fs.writeFileSync(scratch, bytes);
    await store.putFile(scratch);
  }
  if (i === 0) process.stdout.write('ready\n');
}
