// A static http server on the loopback interface for the bench page: the
// page and the shared measurement module (bench/browser), the WASM package
// (bindings/wasm/pkg), and the model and test texts from memory. Only the
// listed paths are served. Cross-origin isolation headers (COOP + COEP) make
// the page crossOriginIsolated, which gives performance.now() Chromium's
// finest resolution (5 µs instead of 100 µs).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.bin': 'application/octet-stream',
};

/**
 * files: { '/url': absolute path }, blobs: { '/url': Buffer | string }.
 * Resolves { url, close() }.
 */
export function startStaticServer({ files, blobs }) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost').pathname;
    let body = null;
    if (Object.hasOwn(blobs, url)) body = blobs[url];
    else if (Object.hasOwn(files, url)) body = fs.readFileSync(files[url]);
    if (req.method !== 'GET' || body === null) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const ext = path.extname(Object.hasOwn(files, url) ? files[url] : url);
    res.writeHead(200, {
      'content-type': TYPES[ext] ?? 'application/octet-stream',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
      'cross-origin-resource-policy': 'same-origin',
    });
    res.end(body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}
