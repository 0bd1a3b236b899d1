// Peer: a bare `ws` echo server (sends every message back as it came).
//   node bench/serve/peers/ws-echo.mjs PORT
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2] ?? 0);
const wss = new WebSocketServer({ port, host: '127.0.0.1', perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
wss.on('listening', () =>
  process.stdout.write(`${JSON.stringify({ port: wss.address().port })}\n`),
);
process.on('SIGTERM', () => wss.close(() => process.exit(0)));
