/**
 * `sentio artifacts verify`: re-hash every stored object, report the
 * corrupt ones and the referenced ones that are gone, with the versions that
 * point at each, plus the database's own integrity check.
 * @module
 */
import type { ArtifactReference, Registry } from './types.js';

export interface ArtifactProblem {
  sha256: string;
  problem: 'corrupt' | 'missing';
  /** Versions/evaluations that point at it (empty for an unreferenced corrupt object). */
  references: ArtifactReference[];
}

export interface StoreVerifyReport {
  /** True when every object hashes to its name, nothing referenced is missing, the database is consistent. */
  ok: boolean;
  checked: number;
  referenced: number;
  corrupt: string[];
  missing: string[];
  problems: ArtifactProblem[];
  /** ["ok"] or the database's complaints. */
  database: string[];
}

export async function verifyStore(reg: Registry): Promise<StoreVerifyReport> {
  const refs = await reg.artifactReferences();
  const bySha = new Map<string, ArtifactReference[]>();
  for (const r of refs) bySha.set(r.sha256, [...(bySha.get(r.sha256) ?? []), r]);
  const report = await reg.artifacts.verifyAll(bySha.keys());
  const database = await reg.checkIntegrity();
  const problems: ArtifactProblem[] = [
    ...report.corrupt.map((sha256) => ({
      sha256,
      problem: 'corrupt' as const,
      references: bySha.get(sha256) ?? [],
    })),
    ...report.missing.map((sha256) => ({
      sha256,
      problem: 'missing' as const,
      references: bySha.get(sha256) ?? [],
    })),
  ];
  return {
    ok: problems.length === 0 && database.length === 1 && database[0] === 'ok',
    checked: report.checked,
    referenced: bySha.size,
    corrupt: report.corrupt,
    missing: report.missing,
    problems,
    database,
  };
}
