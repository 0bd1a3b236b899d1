// Peer: a bare Node `http` POST handler: read the body, JSON.parse, answer
// JSON. The floor of what any Node HTTP server can do on this machine.
//   node bench/serve/peers/node-http.mjs PORT
import http from 'node:http';

const port = Number(process.argv[2] ?? 0);
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400).end();
      return;
    }
    const out = JSON.stringify({
      id: 'echo',
      label: 'pos',
      probabilities: { neg: 0.5, pos: 0.5 },
      length: body.text?.length ?? 0,
    });
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(out),
    });
    res.end(out);
  });
});
server.keepAliveTimeout = 5000;
server.listen(port, '127.0.0.1', () =>
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`),
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
