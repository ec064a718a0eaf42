/**
 * tripswitch benchmarks: bare calls, a hand-written minimal breaker, tripswitch, cockatiel and opossum,
 * side by side in one process and one run.
 *
 *   npm run bench          full run; writes bench/RESULTS.md and the README's benchmark table
 *   npm run bench:smoke    a few iterations of every case; exits non-zero unless every case ran
 *   npm run bench -- --only=open    only the scenarios whose name matches; prints, writes nothing
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { measure } from 'mitata';
import { type Case, opossums, scenarios } from './cases.js';
import { measureMemory } from './memory.js';
import { goals, goalsTable, memoryTable, type Result, resultsTable } from './report.js';

const smoke = process.argv.includes('--smoke');
// `--only=<regexp>` measures the matching scenarios only and writes nothing: for working on one path.
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const COMMAND = 'npm run bench';
const IDLE_BREAKERS = 10_000;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error('Run with --expose-gc (npm run bench does): the memory figures need a forced GC.');
  process.exit(1);
}

// Smoke: enough to run every case through mitata's loop, never enough to mean anything.
const options = smoke
  ? { min_samples: 2, max_samples: 2, min_cpu_time: 0, warmup_samples: 1, batch_samples: 8 }
  : { min_cpu_time: 300 * 1e6 };
const ROUNDS = smoke ? 1 : 5;

async function main(): Promise<void> {
  const cases: Case[] = [];
  const results: Result[] = [];
  for (const build of scenarios) {
    const built = (await build()).filter((c) => only === undefined || new RegExp(only).test(c.scenario));
    cases.push(...built);
    await measureAll(built, results);
  }
  for (const breaker of opossums) breaker.shutdown();
  if (only !== undefined) return;
  const memory = measureMemory(gc as () => void, smoke ? 100 : IDLE_BREAKERS);

  const missing = cases.length - results.length;
  if (smoke) {
    if (missing !== 0 || memory.length === 0) throw new Error(`${missing} benchmark cases did not run`);
    goals(results, memory); // every figure a goal needs exists
    console.log(`bench smoke: ${results.length} cases and ${memory.length} memory cases ran`);
    return;
  }

  const header = [
    `Command: \`${COMMAND}\` · Node ${process.version} · ${cpus()[0]?.model ?? 'unknown CPU'} · ${new Date().toISOString().slice(0, 10)}`,
    '',
    'ns per call: the best of 5 interleaved medians, all in one process. "× ref" is this row divided by the reference',
    'row of the same scenario (below 1 is faster than the reference).',
  ].join('\n');
  const body = [header, '', resultsTable(results), '', memoryTable(memory, IDLE_BREAKERS), '', goalsTable(goals(results, memory))].join(
    '\n',
  );
  console.log(`\n${body}`);
  writeFileSync(new URL('./RESULTS.md', import.meta.url), `# Benchmark results\n\n${body}\n`);
  updateReadme(body);
}

/**
 * Measures a scenario's rows in interleaved rounds and keeps each row's best median: a burst of load
 * from elsewhere on the machine then inflates one round, not the figure.
 */
async function measureAll(cases: readonly Case[], results: Result[]): Promise<void> {
  for (const c of cases) await c.verify();
  const best = cases.map(() => Number.POSITIVE_INFINITY);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, c] of cases.entries()) {
      const stats = await measure(c.run, options);
      best[i] = Math.min(best[i] ?? Number.POSITIVE_INFINITY, stats.p50 / (c.ops ?? 1));
    }
  }
  for (const [i, c] of cases.entries()) {
    c.after?.();
    const ns = best[i] ?? Number.NaN;
    if (!(ns >= 0 && Number.isFinite(ns))) throw new Error(`${c.scenario} / ${c.subject}: no measurement`);
    results.push({ case: c, ns });
    process.stderr.write(`  ${c.scenario} / ${c.subject}: ${ns.toFixed(2)} ns\n`);
  }
}

/** Replaces the README's table between the bench markers, so the README shows the last full run. */
function updateReadme(body: string): void {
  const url = new URL('../README.md', import.meta.url);
  const readme = readFileSync(url, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from === -1 || to < from) return;
  writeFileSync(url, `${readme.slice(0, from + start.length)}\n${body}\n${readme.slice(to)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
