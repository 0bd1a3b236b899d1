/**
 * A small promise-based WebSocket test client: send JSON, wait for the answer
 * with a given id, or for the close code and reason.
 * @module
 */
import WebSocket from 'ws';

export interface WsAnswer {
  id: string | number | null;
  [k: string]: unknown;
}

export class TestWs {
  readonly ws: WebSocket;
  readonly answers: WsAnswer[] = [];
  private waiters: Array<{ pred: (m: WsAnswer) => boolean; resolve: (m: WsAnswer) => void }> = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.ws = new WebSocket(url.replace(/^http/, 'ws'), { headers, maxPayload: 64 * 1024 * 1024 });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) =>
        reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })),
      );
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => {
      this.ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    this.ws.on('error', () => {});
    this.ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as WsAnswer;
      this.answers.push(m);
      const i = this.waiters.findIndex((w) => w.pred(m));
      if (i !== -1) {
        const [w] = this.waiters.splice(i, 1);
        w?.resolve(m);
      }
    });
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<TestWs> {
    const c = new TestWs(`${url}/v1/ws`, headers);
    await c.opened;
    return c;
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' || Buffer.isBuffer(msg) ? msg : JSON.stringify(msg));
  }

  /** The next answer matching `pred` (already received ones included). */
  waitFor(pred: (m: WsAnswer) => boolean, timeoutMs = 10_000): Promise<WsAnswer> {
    const have = this.answers.find(pred);
    if (have !== undefined) return Promise.resolve(have);
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error('timed out waiting for a WebSocket answer')),
        timeoutMs,
      );
      this.waiters.push({
        pred,
        resolve: (m) => {
          clearTimeout(t);
          resolve(m);
        },
      });
    });
  }

  answerTo(id: string | number, timeoutMs?: number): Promise<WsAnswer> {
    return this.waitFor((m) => m.id === id, timeoutMs);
  }

  /** Request and wait for its answer. */
  async ask(msg: { id: string | number; [k: string]: unknown }): Promise<WsAnswer> {
    const p = this.answerTo(msg.id);
    this.send(msg);
    return p;
  }

  close(): void {
    this.ws.close();
  }
}
