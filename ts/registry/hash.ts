/** sha256 helpers shared by the artifact store, verify and import. @module */
import { createHash } from 'node:crypto';

// hashFile (sha256 and size of a file, streamed) lives in ts/data, which registry builds on.
export { hashFile } from '../data/index.js';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
