// Peer: a Fastify route with the same JSON schema as Sentio's predict route
// (predictBodySchema, validated by Fastify's Ajv), answering with an echo of
// the same size class. The "same framework" ceiling for the REST target.
//   node bench/serve/peers/fastify-echo.mjs PORT
import Fastify from 'fastify';
import { DEFAULT_LIMITS, predictBodySchema } from '../../../dist/serve/index.js';

const port = Number(process.argv[2] ?? 0);
const app = Fastify({ logger: false });
app.post(
  '/v1/models/:name/predict',
  { schema: { body: predictBodySchema(DEFAULT_LIMITS) } },
  async (req) => ({
    id: 'echo',
    model: req.params.name,
    version: 1,
    label: 'pos',
    probabilities: { neg: 0.5, pos: 0.5 },
    length: req.body.text?.length ?? 0,
  }),
);
await app.listen({ port, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ port: app.server.address().port })}\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
