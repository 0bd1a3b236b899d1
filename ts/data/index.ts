/**
 * Datasets: streaming readers (CSV, TSV, JSONL, text-per-line, each
 * optionally gzip'd), loading with a fingerprint for lineage, inspection,
 * and pulling known public datasets into a verified cache. The only file
 * other modules import from ts/data.
 * @module
 */
export { hashFile } from './atomic-file.js';
export {
  CATALOG,
  type CatalogFile,
  type DatasetSpec,
  findDataset,
  type OfficialSource,
} from './catalog.js';
export { DATA_FORMATS, formatFromPath, isDataFormat } from './format.js';
export { type InspectOptions, inspectDataset, NO_LABEL } from './inspect.js';
export { describeSkips, type LoadOptions, loadDataset } from './load.js';
export { mulberry32 } from './prng.js';
export {
  defaultCacheDir,
  type PulledFile,
  type PullOptions,
  type PullResult,
  pullDataset,
  resolveDataset,
  type Verification,
} from './pull.js';
export { consumeRows, readRows } from './read-rows.js';
export { tokenize } from './token-stats.js';
export type * from './types.js';
