// Worker body for the worker_threads test: load the engine on the requested
// backend inside the worker, load a model from bytes, predict, post results.
import { parentPort, workerData } from 'node:worker_threads';
import { type Backend, loadEngine } from '../index.js';

interface Job {
  backend: Backend;
  model: Uint8Array;
  texts: string[];
}

const job = workerData as Job;
const engine = await loadEngine({ backend: job.backend });
const model = engine.loadModel(job.model);
const batch = model.predictBatch(job.texts);
const single = job.texts.map((t) => model.predict(t).label);
parentPort?.postMessage({
  backend: engine.backend,
  labels: batch.labelNames,
  single,
  probabilities: batch.probabilities,
});
