/** Sentio's version, read once from the package manifest. @module */
import { readFileSync } from 'node:fs';

const manifest = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
) as { version: string };

export const VERSION: string = manifest.version;
