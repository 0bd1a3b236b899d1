/**
 * Child process for the backpressure test: a WebSocket client that never
 * reads. It sends batch requests (large answers) as fast as its socket takes
 * them, keeping its own send buffer under 1 MB so its own memory stays flat,
 * and reports how much it managed to send and how the connection ended.
 *
 *   node slow-reader.js ws://127.0.0.1:PORT/v1/ws MODEL DURATION_MS
 * @module
 */
import WebSocket from 'ws';

const [url, model, durationArg] = process.argv.slice(2);
const duration = Number(durationArg ?? 5000);
const texts = Array.from({ length: 50 }, (_, i) => `a short review number ${i}, quite good`);
const ws = new WebSocket(url as string);
let sent = 0;
let sentBytes = 0;
let closed: { code: number; at: number } | null = null;
const t0 = Date.now();

ws.on('error', () => {});
ws.on('close', (code) => {
  closed ??= { code, at: Date.now() - t0 };
});
ws.on('open', () => {
  // Never read: stop the socket before anything arrives.
  (ws as unknown as { _socket: { pause(): void } })._socket.pause();
  const pump = setInterval(() => {
    if (closed !== null || Date.now() - t0 > duration) {
      clearInterval(pump);
      finish();
      return;
    }
    while (ws.readyState === ws.OPEN && ws.bufferedAmount < 1024 * 1024) {
      const msg = JSON.stringify({ id: sent, model, texts });
      ws.send(msg);
      sent++;
      sentBytes += msg.length;
    }
  }, 5);
});

function finish(): void {
  process.stdout.write(
    `${JSON.stringify({ sent, sentBytes, buffered: ws.bufferedAmount, closed })}\n`,
  );
  ws.terminate();
  process.exit(0);
}
