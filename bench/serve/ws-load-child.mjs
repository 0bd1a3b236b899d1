// WebSocket load generator, run in its own process (bench/lib/child.mjs):
// C clients, each keeping K requests in flight (a new one is sent as each
// answer arrives), for S seconds after a warm-up; counts round trips and
// latency by id. Works against Sentio and the bare `ws` echo alike: both
// answer with `{"id":N,...` first, which is all it reads of an answer.
//   node ws-load-child.mjs '{"url","clients","inFlight","seconds","warmupSeconds","model","text","batch"}'
import WebSocket from 'ws';

const cfg = JSON.parse(process.argv[2]);
const texts = cfg.batch ? Array.from({ length: cfg.batch }, () => cfg.text) : null;
const head = (id) =>
  texts === null
    ? `{"id":${id},"model":${JSON.stringify(cfg.model)},"text":`
    : `{"id":${id},"model":${JSON.stringify(cfg.model)},"texts":`;
const tail = `${JSON.stringify(texts ?? cfg.text)}}`;

let measuring = false;
let stopped = false;
let roundTrips = 0;
let errors = 0;
const lat = [];
let firstError = null;

function client() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${cfg.url.replace(/^http/, 'ws')}/v1/ws`, {
      perMessageDeflate: false,
    });
    const sentAt = new Map();
    let next = 0;
    const send = () => {
      if (stopped) return;
      const id = next++;
      sentAt.set(id, performance.now());
      ws.send(head(id) + tail);
    };
    ws.on('open', () => {
      for (let i = 0; i < cfg.inFlight; i++) send();
      resolve(ws);
    });
    ws.on('error', reject);
    ws.on('message', (data) => {
      const s = data.toString('latin1', 0, 40);
      const comma = s.indexOf(',');
      const id = Number(s.slice(6, comma));
      const t = sentAt.get(id);
      sentAt.delete(id);
      if (measuring) {
        if (s.startsWith('"error"', comma + 1)) {
          errors++;
          firstError ??= data.toString().slice(0, 300);
        } else {
          roundTrips++;
          if (t !== undefined && (roundTrips & 7) === 0) lat.push(performance.now() - t);
        }
      }
      send();
    });
  });
}

const sockets = await Promise.all(Array.from({ length: cfg.clients }, client));
await new Promise((r) => setTimeout(r, cfg.warmupSeconds * 1000));
measuring = true;
const t0 = performance.now();
await new Promise((r) => setTimeout(r, cfg.seconds * 1000));
measuring = false;
const seconds = (performance.now() - t0) / 1000;
stopped = true;
lat.sort((a, b) => a - b);
const pct = (q) =>
  lat.length ? lat[Math.min(lat.length - 1, Math.floor((q / 100) * lat.length))] : null;
for (const ws of sockets) ws.terminate();
process.send({
  roundTrips,
  rps: roundTrips / seconds,
  predictionsPerSecond: (roundTrips * (cfg.batch ?? 1)) / seconds,
  p50_ms: pct(50),
  p99_ms: pct(99),
  max_ms: lat.length ? lat[lat.length - 1] : null,
  errors,
  firstError,
  seconds,
});
process.exit(0);
