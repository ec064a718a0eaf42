// What each module of the BUILT package (run `npm run build` first) costs in a browser bundle of one import:
//   node scripts/size-report.mjs '{ circuitBreaker }'     (default)   node scripts/size-report.mjs '* as everything'
// Columns: minified bytes the module contributes (esbuild metafile), and the gzip -9 bytes the whole bundle
// loses when the module's exports are stubbed out, which also drops what only that module reaches (so the
// column does not add up to the total). The last lines are the bundle's own figures, as the size test takes them.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const imports = process.argv[2] ?? '{ circuitBreaker }';
const root = fileURLToPath(new URL('../', import.meta.url));
const consumer = mkdtempSync(join(tmpdir(), 'tripswitch-size-report-'));

/** Bundles the import as the size test does; `stubbed` (a dist/ path) is replaced by empty stand-ins of its exports. */
async function bundle(stubbed) {
  const name = imports.startsWith('*') ? 'everything' : imports.replace(/[{}\s]/g, '');
  const stub = {
    name: 'stub',
    setup(b) {
      b.onLoad({ filter: /\.js$/ }, (args) => {
        if (stubbed === undefined || !args.path.endsWith(stubbed)) return undefined;
        const exported = /export \{([^}]*)\}/.exec(readFileSync(args.path, 'utf8'))?.[1] ?? '';
        const names = exported
          .split(',')
          .map((s) =>
            s
              .trim()
              .split(/\s+as\s+/)
              .pop(),
          )
          .filter(Boolean);
        return { contents: names.map((n) => `export const ${n} = class {};`).join('\n'), loader: 'js' };
      });
    },
  };
  const result = await build({
    stdin: { contents: `import ${imports} from 'tripswitch';\nglobalThis.kept = ${name};\n`, resolveDir: consumer, sourcefile: 'entry.js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [stub],
  });
  const code = result.outputFiles[0]?.contents ?? new Uint8Array();
  return { code, gzip: gzipSync(code, { level: 9 }).length, inputs: Object.values(result.metafile.outputs)[0]?.inputs ?? {} };
}

try {
  writeFileSync(join(consumer, 'package.json'), '{ "name": "consumer", "private": true, "type": "module" }');
  mkdirSync(join(consumer, 'node_modules'));
  symlinkSync(root, join(consumer, 'node_modules', 'tripswitch'), 'dir');
  const whole = await bundle(undefined);
  const rows = [];
  for (const [file, { bytesInOutput }] of Object.entries(whole.inputs)) {
    const path = file.replace(/^.*?node_modules\/tripswitch\//, '');
    if (!path.startsWith('dist/') || path === 'dist/index.js') continue;
    rows.push({ path, bytes: bytesInOutput, cost: whole.gzip - (await bundle(path)).gzip });
  }
  rows.sort((a, b) => b.cost - a.cost || b.bytes - a.bytes);
  console.log('minified  gzip cost  module');
  for (const { path, bytes, cost } of rows) console.log(`${String(bytes).padStart(8)}  ${String(cost).padStart(9)}  ${path}`);
  console.log(
    `${String(whole.code.length).padStart(8)}  ${String(whole.gzip).padStart(9)}  import ${imports} from 'tripswitch' (minified, gzip -9)`,
  );
} finally {
  rmSync(consumer, { recursive: true, force: true });
}
