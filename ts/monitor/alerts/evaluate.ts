/**
 * Rules × snapshot → observations, with no I/O: for each enabled rule, one
 * verdict per label set (one per drift signal, one per aborted rollout,
 * otherwise one). `active: null` means no verdict (too little data, no
 * reference, no counts): the state machine then neither starts nor ends an
 * episode on it (see state-machine.ts).
 * @module
 */
import type { Signal } from '../signals.js';
import { durationText } from './rules.js';
import type {
  AccuracyRule,
  AlertRule,
  DriftRule,
  ExpectedAccuracyRule,
  Observation,
  SignalSnapshot,
} from './types.js';

const f4 = (x: number | null) => (x === null ? '–' : x.toFixed(4));

function obs(
  rule: AlertRule,
  active: boolean | null,
  value: number | null,
  threshold: number | null,
  summary: string,
  labels: Record<string, string> = {},
): Observation {
  return { rule: rule.name, severity: rule.severity, labels, active, value, threshold, summary };
}

/** The line a drift signal is compared with: the rule's override, else the signal's own. */
export function driftLine(s: Signal, override: number | undefined): number {
  if (override === undefined) return s.threshold;
  // oov_rate's line is the reference rate plus the allowed increase (part 1's convention).
  if (s.name === 'oov_rate') return (s.extra?.reference ?? 0) + override;
  // text_length below 1000 texts is a KS p-value (direction below): the override is for the Wasserstein line.
  if (s.direction === 'below') return s.threshold;
  return override;
}

function drift(rule: DriftRule, snap: SignalSnapshot): Observation[] {
  const where = `${snap.model}@${snap.version ?? '–'}`;
  return rule.signals.map((name) => {
    const s = snap.drift.find((x) => x.name === name);
    const labels = { signal: name };
    if (s === undefined || s.value === null) {
      const why = s?.reason ?? 'no traffic in the window';
      return obs(
        rule,
        null,
        null,
        s?.threshold ?? null,
        `${where}: ${name}: no verdict (${why})`,
        labels,
      );
    }
    const line = driftLine(s, rule.thresholds[name]);
    const active = s.direction === 'above' ? s.value > line : s.value < line;
    const cmp = active
      ? s.direction === 'above'
        ? '>'
        : '<'
      : s.direction === 'above'
        ? '≤'
        : '≥';
    return obs(
      rule,
      active,
      s.value,
      line,
      `${where}: ${name} ${f4(s.value)} ${cmp} ${f4(line)} over ${s.n} ${name === 'token_js' ? 'texts' : 'predictions'}`,
      labels,
    );
  });
}

function accuracy(rule: AccuracyRule, snap: SignalSnapshot): Observation {
  const a = snap.accuracy;
  const where = `${snap.model}@${snap.version ?? '–'}`;
  if (a.value === null || a.labelled < rule.minLabelled) {
    return obs(
      rule,
      null,
      a.value,
      null,
      `${where}: ${a.labelled} labelled predictions < ${rule.minLabelled}`,
    );
  }
  const line = rule.below ?? (a.offline === null ? null : a.offline - (rule.maxDrop ?? 0));
  if (line === null) {
    return obs(rule, null, a.value, null, `${where}: no offline accuracy to compare with`);
  }
  const active = a.value < line;
  return obs(
    rule,
    active,
    a.value,
    line,
    `${where}: live accuracy ${f4(a.value)} ${active ? '<' : '≥'} ${f4(line)} on ${a.labelled} labelled (offline ${f4(a.offline)})`,
  );
}

function expectedAccuracy(rule: ExpectedAccuracyRule, snap: SignalSnapshot): Observation {
  const e = snap.expectedAccuracy;
  const where = `${snap.model}@${snap.version ?? '–'}`;
  if (e.value === null || e.predictions < rule.minPredictions) {
    return obs(
      rule,
      null,
      e.value,
      null,
      `${where}: ${e.predictions} predictions < ${rule.minPredictions}`,
    );
  }
  const line = rule.below ?? (e.reference === null ? null : e.reference - (rule.maxDrop ?? 0));
  if (line === null) {
    return obs(rule, null, e.value, null, `${where}: no evaluation-set confidence to compare with`);
  }
  const active = e.value < line;
  return obs(
    rule,
    active,
    e.value,
    line,
    `${where}: expected accuracy ${f4(e.value)} ${active ? '<' : '≥'} ${f4(line)} over ${e.predictions} predictions (evaluation set ${f4(e.reference)})`,
  );
}

/** Every enabled rule's observations on one model's snapshot. */
export function evaluateRules(rules: readonly AlertRule[], snap: SignalSnapshot): Observation[] {
  const out: Observation[] = [];
  const m = snap.model;
  for (const rule of rules) {
    if (!rule.enabled) continue;
    switch (rule.kind) {
      case 'drift':
        out.push(...drift(rule, snap));
        break;
      case 'accuracy':
        out.push(accuracy(rule, snap));
        break;
      case 'expected_accuracy':
        out.push(expectedAccuracy(rule, snap));
        break;
      case 'error_rate': {
        const e = snap.errors;
        if (e === undefined || e.requests < rule.minRequests) {
          const why =
            e === undefined
              ? 'no request counts (outside the server)'
              : `${e.requests} requests < ${rule.minRequests}`;
          out.push(obs(rule, null, null, rule.above, `${m}: ${why}`));
          break;
        }
        const rate = e.errors / e.requests;
        const active = rate > rule.above;
        out.push(
          obs(
            rule,
            active,
            rate,
            rule.above,
            `${m}: error rate ${f4(rate)} ${active ? '>' : '≤'} ${rule.above} (${e.errors} of ${e.requests} requests)`,
          ),
        );
        break;
      }
      case 'latency_p99': {
        const l = snap.latencyP99Ms;
        if (l.value === null || l.n < rule.minPredictions) {
          out.push(
            obs(
              rule,
              null,
              l.value,
              rule.aboveMs,
              `${m}: ${l.n} predictions < ${rule.minPredictions}`,
            ),
          );
          break;
        }
        const active = l.value > rule.aboveMs;
        out.push(
          obs(
            rule,
            active,
            l.value,
            rule.aboveMs,
            `${m}: p99 latency ${l.value.toFixed(2)} ms ${active ? '>' : '≤'} ${durationText(rule.aboveMs)} over ${l.n} predictions`,
          ),
        );
        break;
      }
      case 'volume_drop': {
        const { current, previous } = snap.volume;
        const drop = previous > 0 ? 1 - current / previous : 0;
        const text = `${m}: ${current} predictions in the ${snap.window.text}, ${previous} in the window before`;
        if (drop <= rule.maxDrop)
          out.push(
            obs(
              rule,
              false,
              drop,
              rule.maxDrop,
              `${text} (down ${Math.max(0, Math.round(drop * 100))}%)`,
            ),
          );
        else if (previous < rule.minPrevious)
          out.push(obs(rule, null, drop, rule.maxDrop, `${text}: too few before to judge`));
        else
          out.push(
            obs(
              rule,
              true,
              drop,
              rule.maxDrop,
              `${text} (down ${Math.round(drop * 100)}% > ${Math.round(rule.maxDrop * 100)}%)`,
            ),
          );
        break;
      }
      case 'rollout_aborted':
        for (const a of snap.rolloutAborts) {
          if (a.endedAt < snap.at - rule.lookbackMs) continue;
          out.push(
            obs(
              rule,
              true,
              1,
              null,
              `${m}@${a.env}: ${a.kind} of version ${a.version} (rollout ${a.rollout}) aborted at ${new Date(a.endedAt).toISOString()}${a.reason ? `: ${a.reason}` : ''}`,
              { env: a.env, kind: a.kind, rollout: String(a.rollout), version: String(a.version) },
            ),
          );
        }
        break;
    }
  }
  return out;
}
