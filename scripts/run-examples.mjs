// Runs every program in examples/ against the built package and fails on the first that fails.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = new URL('../examples/', import.meta.url).pathname;
const programs = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .sort();
if (programs.length === 0) {
  console.error('no examples found in examples/');
  process.exit(1);
}
let failed = 0;
for (const program of programs) {
  console.log(`\n=== examples/${program}`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(dir, program)], { stdio: 'inherit', timeout: 60_000 });
  if (run.status !== 0) {
    failed++;
    console.error(`examples/${program} failed (exit ${run.status ?? run.signal})`);
  }
}
console.log(`\n${programs.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
