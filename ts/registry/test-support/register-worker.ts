/**
 * A child process for the concurrency tests: waits for a shared start time,
 * opens the store (possibly creating it at the same moment as its siblings)
 * and registers versions of one model as fast as it can, moving an alias
 * after each. Prints one JSON line: { worker, results: [{ version, created, runId }] }.
 *
 *   node dist/registry/test-support/register-worker.js STORE MODEL WORKER COUNT START_MS [same]
 *
 * With "same", every worker registers the same model file (identity by content under contention).
 * @module
 */
import { openRegistry } from '../open.js';

const [store, model, worker, countArg, startArg, mode] = process.argv.slice(2);
if (!store || !model || !worker || !countArg || !startArg) {
  process.stderr.write('usage: register-worker STORE MODEL WORKER COUNT START_MS [same]\n');
  process.exit(2);
}
const count = Number(countArg);
const start = Number(startArg);
const wait = start - Date.now();
if (wait > 0) await new Promise((r) => setTimeout(r, wait));

const enc = new TextEncoder();
const reg = await openRegistry(store);
const results: Array<{ version: number; created: boolean; runId: string }> = [];
try {
  for (let i = 0; i < count; i++) {
    const content = mode === 'same' ? 'the same model' : `worker ${worker} model ${i}`;
    const run = await reg.createRun({ experiment: 'concurrency', params: { worker, i } });
    const modelSha256 = await reg.artifacts.put(enc.encode(content));
    const metricsSha = await reg.artifacts.put(enc.encode(JSON.stringify({ worker, i })));
    await reg.logMetrics(run.id, { accuracy: i / count });
    const { version, created } = await reg.registerVersion({
      model,
      modelSha256,
      artifacts: { model: modelSha256, metrics: metricsSha },
      runId: run.id,
      metrics: { accuracy: i / count },
      config: { worker, i },
    });
    await reg.finishRun(run.id, 'finished', { model, version: version.version });
    await reg.setAlias(model, 'champion', version.version, {
      who: `worker-${worker}`,
      reason: `i=${i}`,
    });
    results.push({ version: version.version, created, runId: run.id });
  }
} finally {
  await reg.close();
}
process.stdout.write(`${JSON.stringify({ worker, results })}\n`);
