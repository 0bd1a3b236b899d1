/**
 * A real webhook receiver for tests (node:http on 127.0.0.1, a free port):
 * records every request (headers, raw body, time), answers each with the
 * status a `respond` function picks (e.g. 503 for the first attempts), and
 * lets a test wait until something arrived.
 * @module
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  n: number;
  at: number;
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: unknown;
  /** The status it was answered with. */
  status: number;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** Resolves with the requests once `pred` holds (polls every 20 ms), rejects after `timeoutMs`. */
  waitFor(
    pred: (reqs: ReceivedRequest[]) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export interface ReceiverOptions {
  /** Status for the n-th request (1-based); default 200. */
  respond?: (n: number, req: Omit<ReceivedRequest, 'status'>) => number;
  /** Delay before answering (a slow receiver). */
  delayMs?: number;
  /** Extra response headers (e.g. Retry-After). */
  headers?: (n: number) => Record<string, string>;
}

export async function startReceiver(opts: ReceiverOptions = {}): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  let count = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const n = ++count;
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {
        json = null;
      }
      const base = {
        n,
        at: Date.now(),
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        json,
      };
      const status = opts.respond?.(n, base) ?? 200;
      const answer = () => {
        requests.push({ ...base, status });
        res.writeHead(status, { 'content-type': 'text/plain', ...(opts.headers?.(n) ?? {}) });
        res.end(status < 300 ? 'ok' : 'no');
      };
      if (opts.delayMs) setTimeout(answer, opts.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    async waitFor(pred, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        if (pred(requests)) return requests;
        if (Date.now() > until) {
          throw new Error(
            `receiver: condition not met after ${timeoutMs} ms; got ${requests.length} request(s): ${requests
              .map((r) => `${r.status} ${r.body.slice(0, 200)}`)
              .join(' | ')}`,
          );
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
