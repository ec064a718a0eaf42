// Runs every program in examples/ against the built package and fails on the first that fails.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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

// Projects in a folder of their own (examples/nestjs): compiled by tsc with their tsconfig (NestJS needs the
// decorator metadata only tsc emits), then main.js runs against the built package, as an installed app would.
const projects = readdirSync(dir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'tsconfig.json')))
  .map((entry) => entry.name)
  .sort();
const root = new URL('..', import.meta.url).pathname;
for (const project of projects) {
  console.log(`\n=== examples/${project}/ (tsc, then node)`);
  const folder = join(dir, project);
  const out = join(folder, '.build');
  rmSync(out, { recursive: true, force: true });
  const compile = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', folder], { stdio: 'inherit' });
  if (compile.status === 0) {
    writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'commonjs' }));
    mkdirSync(join(out, 'node_modules'), { recursive: true });
    symlinkSync(root, join(out, 'node_modules/tripswitch'), 'dir');
  }
  const run =
    compile.status === 0
      ? spawnSync(process.execPath, [join(out, 'examples', project, 'main.js')], { stdio: 'inherit', timeout: 60_000 })
      : compile;
  rmSync(out, { recursive: true, force: true });
  if (run.status !== 0) {
    failed++;
    console.error(`examples/${project}/ failed (exit ${run.status ?? run.signal})`);
  }
}
const total = programs.length + projects.length;
console.log(`\n${total - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
