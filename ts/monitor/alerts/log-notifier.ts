/**
 * `LogNotifier`: every notification as one structured log line — the
 * server's pino logger when given (`warn` for firing, `info` for resolved),
 * else a JSON line on stderr. Synchronous, cannot fail a delivery.
 * @module
 */
import type { AlertNotification, DeliveryResult, Notifier } from './types.js';

/** The part of a pino-style logger this needs. */
export interface LineLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

const stderrLogger: LineLogger = {
  info: (obj, msg) => process.stderr.write(`${JSON.stringify({ level: 'info', ...obj, msg })}\n`),
  warn: (obj, msg) => process.stderr.write(`${JSON.stringify({ level: 'warn', ...obj, msg })}\n`),
};

export class LogNotifier implements Notifier {
  readonly name = 'log';

  constructor(private readonly log: LineLogger = stderrLogger) {}

  notify(n: AlertNotification, done?: (r: DeliveryResult) => void): void {
    const a = n.alert;
    const fields = {
      event: n.status === 'firing' ? 'alert_firing' : 'alert_resolved',
      fingerprint: a.fingerprint,
      model: a.model,
      rule: a.rule,
      labels: a.labels,
      severity: a.severity,
      value: a.value,
      threshold: a.threshold,
      repeat: n.repeat,
    };
    const msg = `alert ${a.rule} ${n.status === 'firing' ? `FIRING (${a.severity})` : 'resolved'}${n.repeat ? ' (still)' : ''}: ${a.summary}`;
    try {
      if (n.status === 'firing') this.log.warn(fields, msg);
      else this.log.info(fields, msg);
      done?.({ notifier: this.name, outcome: 'delivered', attempts: 1 });
    } catch (e) {
      done?.({ notifier: this.name, outcome: 'failed', attempts: 1, error: String(e) });
    }
  }

  async close(): Promise<void> {}
}
