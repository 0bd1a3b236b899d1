/**
 * `GET /v1/events`: server-sent events for the dashboard, so it updates
 * without reloading: `version`, `environment`, `rollout`, `registry`,
 * `served` and `alert` (event-hub.ts says what each means), each a JSON
 * `data:` line. The stream opens with `hello` (server version, served
 * references), sends a comment every 15 s so proxies keep it open, and asks
 * clients to reconnect after 2 s when it drops. Streams end when the server
 * shuts down (before it waits for requests in flight). API key as the
 * prediction routes.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import type { AlertFeed } from './alert-feed.js';
import { requireApiKey } from './auth-hooks.js';
import { EventHub, type HubEvent } from './event-hub.js';

export const EVENTS_PATH = '/v1/events';
const HEARTBEAT_MS = 15_000;

function frame(e: HubEvent): string {
  return `event: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

export function registerEventRoutes(
  app: FastifyInstance,
  ctx: ServerContext,
  alerts: AlertFeed | null,
  version: string,
): EventHub {
  const hub = new EventHub({ registry: ctx.registry, catalog: ctx.catalog, alerts, log: ctx.log });
  const open = new Set<() => void>();
  app.addHook('preClose', (done) => {
    hub.stop();
    for (const end of [...open]) end();
    done();
  });
  const opts = ctx.auth.apiKeysRequired ? { onRequest: requireApiKey(ctx) } : {};
  app.get(EVENTS_PATH, opts, (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': req.id,
      'x-content-type-options': 'nosniff',
    });
    const hello = {
      type: 'hello',
      data: { version, served: ctx.catalog.slots.map((s) => s.describe()) },
    } as const;
    res.write(`retry: 2000\n\n${frame(hello as unknown as HubEvent)}`);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    let unsubscribe = () => {};
    const end = () => {
      clearInterval(heartbeat);
      unsubscribe();
      open.delete(end);
      if (!res.writableEnded) res.end();
    };
    open.add(end);
    unsubscribe = hub.subscribe((events) => {
      if (!res.writableEnded) res.write(events.map(frame).join(''));
    });
    req.raw.on('close', end);
  });
  return hub;
}
