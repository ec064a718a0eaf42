// Type-checks test/package-consumers/ against the built package (dist/ + package.json), as consumers compile:
// every moduleResolution (node10 via typesVersions, node16 ESM and CJS, bundler) and both decorator dialects.
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const fixtures = join(root, 'test/package-consumers');
let project: string;

const resolutions = {
  node10: { module: 'commonjs', moduleResolution: 'node10', type: 'commonjs' },
  'node16 (ESM)': { module: 'node16', moduleResolution: 'node16', type: 'module' },
  'node16 (CJS)': { module: 'node16', moduleResolution: 'node16', type: 'commonjs' },
  bundler: { module: 'preserve', moduleResolution: 'bundler', type: 'module' },
} as const;

beforeAll(() => {
  if (!existsSync(join(root, 'dist/index.d.ts'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  project = mkdtempSync(join(tmpdir(), 'tripswitch-consumer-'));
  // The package as npm installs it (package.json and dist/): its package.json decides what each resolution finds.
  const installed = join(project, 'node_modules/tripswitch');
  mkdirSync(installed, { recursive: true });
  cpSync(join(root, 'package.json'), join(installed, 'package.json'));
  cpSync(join(root, 'dist'), join(installed, 'dist'), { recursive: true, filter: (source) => !source.endsWith('.map') });
});

afterAll(() => {
  if (project !== undefined) rmSync(project, { recursive: true, force: true });
});

function check(resolution: keyof typeof resolutions, legacy: boolean): string[] {
  const { module, moduleResolution, type } = resolutions[resolution];
  const dir = join(project, `${resolution.replace(/\W+/g, '-')}-${legacy ? 'legacy' : 'tc39'}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type }));
  const { options, errors } = ts.convertCompilerOptionsFromJson(
    {
      target: 'ES2022',
      lib: ['ES2022', 'DOM', 'ESNext.Decorators'],
      module,
      moduleResolution,
      strict: true,
      exactOptionalPropertyTypes: true,
      noEmit: true,
      types: [],
      experimentalDecorators: legacy,
      emitDecoratorMetadata: legacy,
    },
    dir,
  );
  expect(errors).toEqual([]);
  const rootNames = ['consumer.ts', 'decorated.ts'].map((file) => {
    const copy = join(dir, file);
    writeFileSync(copy, ts.sys.readFile(join(fixtures, file)) ?? '');
    return copy;
  });
  const program = ts.createProgram({ rootNames, options });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file?.fileName.slice(dir.length + 1) ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

describe('the package as consumers type-check it', () => {
  for (const resolution of Object.keys(resolutions) as Array<keyof typeof resolutions>) {
    for (const legacy of [false, true]) {
      it(`type-checks under moduleResolution ${resolution} with ${legacy ? 'experimentalDecorators' : 'standard decorators'}`, () => {
        expect(check(resolution, legacy)).toEqual([]);
      }, 60_000);
    }
  }
});
