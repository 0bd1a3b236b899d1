/**
 * Graceful shutdown (close() or SIGTERM/SIGINT): /readyz turns 503 so load
 * balancers stop sending, the listening socket closes, requests in flight
 * finish (idle keep-alive connections are closed, busy ones get
 * `Connection: close`), WebSocket clients get their pending answers and then
 * a 1001 close with the reason; all within `timeoutMs`, after which whatever
 * is left is cut. Then the watcher stops, the rollout counters are written
 * one last time (after the drain, so they include the last answers), the
 * prediction log is written out (every answered and off-path prediction,
 * within the same budget) while monitoring stops (alert notifications in
 * flight get the same budget), and the store is closed.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import type { ServerState } from './context.js';
import type { PredictionLog } from './monitoring/prediction-log.js';
import type { ServerMonitoring } from './monitoring/server-monitoring.js';
import type { RolloutTracker } from './rollout-tracker.js';
import type { ModelWatcher } from './watcher.js';
import type { WsEndpoint } from './ws/ws-server.js';

export interface ShutdownParts {
  app: FastifyInstance;
  ws: WsEndpoint;
  watcher: ModelWatcher;
  rollouts: RolloutTracker;
  predictionLog: PredictionLog;
  monitoring: ServerMonitoring;
  state: ServerState;
  timeoutMs: number;
  closeRegistry: () => Promise<void>;
  handleSignals: boolean;
}

export function gracefulClose(p: ShutdownParts): {
  close: () => Promise<void>;
  closed: Promise<void>;
} {
  let closing: Promise<void> | null = null;
  let markClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  const onSignal = (signal: NodeJS.Signals) => {
    p.app.log.info({ event: 'signal', signal }, `${signal} received: shutting down gracefully`);
    close().catch((err: unknown) => p.app.log.error({ err }, 'shutdown failed'));
  };
  const close = (): Promise<void> => {
    if (closing !== null) return closing;
    closing = (async () => {
      const t0 = Date.now();
      p.state.draining = true;
      p.app.log.info({ event: 'shutdown_started' }, 'shutting down: finishing in-flight work');
      const watcherStopped = p.watcher.stop();
      const force = setTimeout(() => {
        p.app.log.warn(
          { event: 'shutdown_forced' },
          'shutdown timeout: closing remaining connections',
        );
        p.app.server.closeAllConnections();
      }, p.timeoutMs);
      force.unref();
      // Keep-alive connections that finish their request while we drain become idle: close them
      // then, instead of waiting for their keep-alive timeout.
      const idle = setInterval(() => p.app.server.closeIdleConnections(), 50);
      try {
        await Promise.all([p.ws.close(p.timeoutMs), p.app.close()]);
      } finally {
        clearTimeout(force);
        clearInterval(idle);
      }
      await watcherStopped;
      await p.rollouts.stop().catch(() => {});
      // Monitoring stops (its webhooks get the budget to deliver) while the log is written out.
      await Promise.all([
        p.monitoring.close(p.timeoutMs).catch(() => {}),
        p.predictionLog.close(p.timeoutMs).catch(() => {}),
      ]);
      await p.closeRegistry().catch(() => {});
      p.app.log.info({ event: 'shutdown_complete', ms: Date.now() - t0 }, 'server stopped');
      if (p.handleSignals) {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      }
      markClosed();
    })();
    return closing;
  };
  if (p.handleSignals) {
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  return { close, closed };
}
