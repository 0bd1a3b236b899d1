/**
 * Accuracy per rollout arm from feedback labels, where they exist: the
 * monitoring store (`<store>/monitor.db`, ts/monitor) logs each prediction
 * with its arm, and feedback attaches ground truth to some of them. Over
 * the rollout's time window, each arm's labelled predictions give its
 * accuracy. Optional: without a monitoring store or labels the report says
 * so ("n/a (no feedback labels)") and nothing fails.
 * @module
 */
import { openMonitorStore } from '../monitor/index.js';
import type { Registry, RolloutRecord } from '../registry/index.js';
import { NO_FEEDBACK } from './report.js';
import type { RolloutReport } from './types.js';

export interface ArmAccuracy {
  stable: { accuracy: number | null; labelled: number };
  candidate: { accuracy: number | null; labelled: number };
  note: string;
}

function accuracy(rows: ReadonlyArray<{ truth: string; label: string }>) {
  if (rows.length === 0) return { accuracy: null, labelled: 0 };
  return {
    accuracy: rows.filter((r) => r.truth === r.label).length / rows.length,
    labelled: rows.length,
  };
}

/** Labelled predictions of each arm during the rollout (null: no monitoring store). */
export async function armAccuracy(
  reg: Registry,
  rollout: RolloutRecord,
  stableVersion: number | null,
): Promise<ArmAccuracy | null> {
  let backend: Awaited<ReturnType<typeof openMonitorStore>>;
  try {
    backend = await openMonitorStore(reg.dir, { readonly: true });
  } catch {
    return null;
  }
  try {
    const since = Date.parse(rollout.startedAt);
    const until = rollout.endedAt === null ? Date.now() + 1 : Date.parse(rollout.endedAt) + 1;
    const window = { model: rollout.model, env: rollout.env, since, until };
    const stable = await backend.labelled({ ...window, arm: 'stable' });
    const candidate = await backend.labelled({
      ...window,
      arm: rollout.kind === 'canary' ? 'canary' : 'shadow',
      version: rollout.version,
    });
    const s = accuracy(
      stableVersion === null ? stable : stable.filter((r) => r.version === stableVersion),
    );
    const c = accuracy(candidate);
    return {
      stable: s,
      candidate: c,
      note:
        s.labelled + c.labelled === 0
          ? NO_FEEDBACK
          : `from feedback labels: ${s.labelled} stable, ${c.labelled} candidate predictions`,
    };
  } catch {
    return null;
  } finally {
    await backend.close();
  }
}

/** Fill a report's accuracy fields from feedback labels, when there are any. */
export async function withArmAccuracy(
  reg: Registry,
  report: RolloutReport,
): Promise<RolloutReport> {
  const acc = await armAccuracy(reg, report.rollout, report.arms.stable.version);
  if (acc === null) return report;
  return {
    ...report,
    arms: {
      stable: {
        ...report.arms.stable,
        accuracy: acc.stable.accuracy,
        labelled: acc.stable.labelled,
      },
      candidate: {
        ...report.arms.candidate,
        accuracy: acc.candidate.accuracy,
        labelled: acc.candidate.labelled,
      },
    },
    accuracyNote: acc.note,
  };
}
