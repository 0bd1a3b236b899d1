/**
 * The server reads the store through a read-only connection, so a server
 * without a rollout or an admin action never writes to it (and can run
 * from a read-only mount). Writing is needed for three things only: rollout
 * counters (once a second while a canary or shadow runs), automatic aborts,
 * and the admin deployment routes. This opens a writable connection the
 * first time one of those needs it, and closes it with the server.
 * @module
 */
import { SentioError } from '../errors/index.js';
import { openRegistry, type Registry } from '../registry/index.js';

export class StoreWriter {
  private opening: Promise<Registry> | null = null;
  private closed = false;

  /**
   * `given`: a registry the caller handed to the server (tests, the demo):
   * used for writes too, and not closed here.
   */
  constructor(
    private readonly store: string,
    private readonly given: Registry | null,
  ) {}

  get(): Promise<Registry> {
    if (this.given !== null) return Promise.resolve(this.given);
    if (this.closed) {
      return Promise.reject(new SentioError('SERVE_SHUTTING_DOWN', 'the server is shutting down'));
    }
    if (this.opening === null) {
      const p = openRegistry(this.store, { create: false });
      this.opening = p;
      // A failed open (permissions, a read-only mount) is retried on the next write.
      p.catch(() => {
        if (this.opening === p) this.opening = null;
      });
    }
    return this.opening;
  }

  async close(): Promise<void> {
    this.closed = true;
    const p = this.opening;
    this.opening = null;
    if (p !== null) await (await p.catch(() => null))?.close();
  }
}
