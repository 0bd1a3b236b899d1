/**
 * The alert state machine, pure: given an alert's stored record (or none)
 * and this evaluation's observation of it (or none), the next record and
 * whether anything changed worth a history event or a notification.
 *
 *   (none|inactive|resolved) --active--> pending   (firing at once when for = 0)
 *   pending --active, held ≥ for--> firing          notify "firing"
 *   pending --not active / no verdict / gone--> inactive
 *   firing  --not active / gone--> resolved          notify "resolved"
 *   firing  --no verdict--> firing                   (missing data never resolves)
 *   firing  --active, repeat interval passed-->      notify "firing" again (repeat)
 *
 * A pending alert needs the condition to hold without a gap: a no-verdict
 * evaluation resets it. "gone" is an alert that was not observed at all (its
 * rule was removed or disabled, or its label set no longer exists, e.g. an
 * aborted rollout past the lookback).
 * @module
 */
import { createHash } from 'node:crypto';
import type { AlertRecord, AlertState, Observation, Transition } from './types.js';

/** De-duplication key of (model, rule, labels): label order does not matter. */
export function fingerprint(model: string, rule: string, labels: Record<string, string>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((k) => [k, labels[k]]);
  return createHash('sha256')
    .update(JSON.stringify([model, rule, sorted]))
    .digest('hex')
    .slice(0, 16);
}

export interface StepResult {
  /** The record to store (null: nothing to store, e.g. never active). */
  next: AlertRecord | null;
  /** The state change to add to the history (null when the state stayed). */
  transition: Transition | null;
}

const OPEN: readonly AlertState[] = ['pending', 'firing'];

export function isOpen(state: AlertState): boolean {
  return OPEN.includes(state);
}

function fresh(model: string, o: Observation, now: number): AlertRecord {
  return {
    fingerprint: fingerprint(model, o.rule, o.labels),
    model,
    rule: o.rule,
    labels: o.labels,
    severity: o.severity,
    state: 'inactive',
    value: null,
    threshold: null,
    summary: o.summary,
    activeAt: null,
    firedAt: null,
    resolvedAt: null,
    updatedAt: now,
    notifiedAt: null,
  };
}

function change(
  prev: AlertRecord,
  next: AlertRecord,
  notify: Transition['notify'] = null,
  repeat = false,
): StepResult {
  return {
    next,
    transition: { alert: next, from: prev.state, to: next.state, notify, repeat },
  };
}

/**
 * One step. `forMs` is the rule's minimum duration (ignored for "gone");
 * `repeatIntervalMs` 0 never repeats.
 */
export function step(
  model: string,
  prev: AlertRecord | undefined,
  o: Observation | undefined,
  now: number,
  forMs: number,
  repeatIntervalMs = 0,
): StepResult {
  if (o === undefined) {
    // Gone: close an open alert, leave a closed one alone.
    if (prev === undefined || !isOpen(prev.state)) return { next: null, transition: null };
    const summary = `${prev.summary} (no longer evaluated)`;
    if (prev.state === 'pending') {
      return change(prev, { ...prev, state: 'inactive', activeAt: null, summary, updatedAt: now });
    }
    return change(
      prev,
      { ...prev, state: 'resolved', resolvedAt: now, summary, updatedAt: now, notifiedAt: now },
      'resolved',
    );
  }
  const base = prev ?? fresh(model, o, now);
  const seen: AlertRecord = {
    ...base,
    severity: o.severity,
    value: o.value,
    threshold: o.threshold,
    summary: o.summary,
    updatedAt: now,
  };
  switch (base.state) {
    case 'inactive':
    case 'resolved': {
      if (o.active !== true) {
        // Nothing to store for an alert never active; a closed one keeps its last record.
        return { next: prev === undefined ? null : prev, transition: null };
      }
      const started = { ...seen, activeAt: now, firedAt: null, resolvedAt: null };
      if (forMs <= 0) {
        return change(
          base,
          { ...started, state: 'firing', firedAt: now, notifiedAt: now },
          'firing',
        );
      }
      return change(base, { ...started, state: 'pending' });
    }
    case 'pending': {
      if (o.active !== true) {
        return change(base, { ...seen, state: 'inactive', activeAt: null });
      }
      if (now - (base.activeAt ?? now) >= forMs) {
        return change(base, { ...seen, state: 'firing', firedAt: now, notifiedAt: now }, 'firing');
      }
      return { next: seen, transition: null };
    }
    case 'firing': {
      if (o.active === false) {
        return change(
          base,
          { ...seen, state: 'resolved', resolvedAt: now, notifiedAt: now },
          'resolved',
        );
      }
      if (
        o.active === true &&
        repeatIntervalMs > 0 &&
        now - (base.notifiedAt ?? base.firedAt ?? now) >= repeatIntervalMs
      ) {
        const next = { ...seen, notifiedAt: now };
        return {
          next,
          transition: { alert: next, from: 'firing', to: 'firing', notify: 'firing', repeat: true },
        };
      }
      // Still active, or no verdict: hold (keep the last measured value when there is none).
      return {
        next: o.active === null ? { ...base, summary: o.summary, updatedAt: now } : seen,
        transition: null,
      };
    }
  }
}
