// Runs StrykerJS over the guard modules listed in stryker.config.mjs, one target at a time, each against
// only the test files that cover it, and prints the score per target and every surviving mutant.
// Usage: npm run mutation [-- [--concurrency N] TARGET ...]   (TARGET is a key of `targets`, e.g. src/core/names.ts;
// N test processes at once, default the config's)
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Stryker } from '@stryker-mutator/core';
import config, { targets } from '../stryker.config.mjs';

let args;
try {
  args = parseArgs({ options: { concurrency: { type: 'string' } }, allowPositionals: true });
} catch (err) {
  console.error(`error[usage]: ${err.message}\nhint: npm run mutation -- [--concurrency N] [TARGET ...]`);
  process.exit(2);
}
const concurrency = args.values.concurrency === undefined ? config.concurrency : Number(args.values.concurrency);
if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
  console.error(`error[usage]: --concurrency ${args.values.concurrency} is not a whole number of at least 1\nhint: npm run mutation -- --concurrency 1 TARGET`);
  process.exit(2);
}
const chosen = args.positionals;
const unknown = chosen.filter((t) => !(t in targets));
if (unknown.length > 0) {
  console.error(`error[invalid_input]: no mutation target ${unknown.join(', ')}\nhint: use one of:\n  ${Object.keys(targets).join('\n  ')}`);
  process.exit(2);
}

/** A file-name-safe form of a target, for its incremental file and reports. */
const slug = (target) => target.replace(/^src\//, '').replace(/\.ts$/, '').replace(/[^a-zA-Z0-9]+/g, '-');

const DETECTED = new Set(['Killed', 'Timeout']);
const VALID = new Set(['Killed', 'Timeout', 'Survived', 'NoCoverage']);
const rows = [];
for (const target of chosen.length > 0 ? chosen : Object.keys(targets)) {
  const base = `reports/mutation/${slug(target)}`;
  const results = await new Stryker({
    mutate: [target],
    concurrency,
    tap: { ...config.tap, testFiles: targets[target] },
    // One incremental file per target, so running one target keeps the others' results.
    incrementalFile: `${base}.incremental.json`,
    htmlReporter: { fileName: `${base}.html` },
    jsonReporter: { fileName: `${base}.json` },
  }).runMutationTest();
  const valid = results.filter((r) => VALID.has(r.status));
  const detected = valid.filter((r) => DETECTED.has(r.status)).length;
  const survivors = results.filter((r) => r.status === 'Survived' || r.status === 'NoCoverage');
  rows.push({ target, mutants: valid.length, detected, survivors });
}

console.log('\ntarget | mutants | killed or timed out | survived or not covered | score');
for (const r of rows) {
  const score = r.mutants === 0 ? 'n/a' : `${((100 * r.detected) / r.mutants).toFixed(1)}%`;
  console.log(`${r.target} | ${r.mutants} | ${r.detected} | ${r.survivors.length} | ${score}`);
}
for (const r of rows) {
  for (const m of r.survivors) {
    const { line, column } = m.location.start;
    console.log(`${m.status.toLowerCase()}: ${path.relative(process.cwd(), m.fileName)}:${line}:${column} ${m.mutatorName} → ${m.replacement}`);
  }
}
