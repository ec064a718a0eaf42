import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const coreEntry = new URL('../src/index.ts', import.meta.url).pathname;

async function bundleCore() {
  const result = await build({
    entryPoints: [coreEntry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return { code: result.outputFiles[0]?.text ?? '', metafile: result.metafile };
}

describe('the core bundle', () => {
  it('stays within its size budget (minified + gzip)', async () => {
    const { code } = await bundleCore();
    const gzipped = gzipSync(code).length;
    expect(gzipped).toBeGreaterThan(1_000);
    // 12 KiB until shared counting (issue 15: the flusher, fleet totals and their options, ~1.7 KB) joined the core.
    expect(gzipped).toBeLessThan(14 * 1024);
  });

  it('imports nothing outside src/ (no dependencies, no Node-only modules)', async () => {
    const { metafile } = await bundleCore();
    const external = Object.values(metafile.inputs).flatMap((input) => input.imports.filter((i) => i.external).map((i) => i.path));
    expect(external).toEqual([]);
    expect(Object.keys(metafile.inputs).every((path) => path.startsWith('src/'))).toBe(true);
  });

  it('has no cycle among its runtime imports', async () => {
    const { metafile } = await bundleCore();
    const graph = new Map(Object.entries(metafile.inputs).map(([path, input]) => [path, input.imports.map((i) => i.path)]));
    const visiting = new Set<string>();
    const done = new Set<string>();
    const cycles: string[] = [];
    const visit = (path: string, trail: string[]): void => {
      if (done.has(path)) return;
      if (visiting.has(path)) {
        cycles.push([...trail, path].join(' -> '));
        return;
      }
      visiting.add(path);
      for (const next of graph.get(path) ?? []) visit(next, [...trail, path]);
      visiting.delete(path);
      done.add(path);
    };
    for (const path of graph.keys()) visit(path, []);
    expect(cycles).toEqual([]);
  });
});
