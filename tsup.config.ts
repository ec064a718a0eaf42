import { defineConfig, type Options } from 'tsup';

const adapters = {
  http: 'src/integrations/http.ts',
  prometheus: 'src/integrations/prometheus.ts',
  opentelemetry: 'src/integrations/opentelemetry.ts',
  fetch: 'src/integrations/fetch.ts',
  service: 'src/integrations/service/index.ts',
  redis: 'src/redis/index.ts',
  dashboard: 'src/integrations/dashboard/index.ts',
};

const shared: Options = {
  // Adapters import the core by the package's own name, so every entry shares one copy of it.
  external: ['tripswitch'],
  sourcemap: true,
  // esbuild lowers standard decorators for every target except esnext; node20 keeps them portable.
  target: 'node20',
  platform: 'neutral',
  // `npm run build` empties dist/ once; three builds cleaning it in parallel would delete each other's files.
  clean: false,
};

export default defineConfig([
  {
    // The ESM core, one output module per source module (dist/index.js re-exports from ./breaker.js, ...):
    // with `"sideEffects": false`, a consumer's bundler drops every module the imports do not reach. One
    // flattened file defeats that: esbuild must then prove each top-level statement pure, and class static
    // blocks (CircuitBreaker, CircuitBreakerError) and calls like `toBackoff(...)` keep everything alive.
    ...shared,
    entry: ['src/*.ts', 'src/detectors/*.ts', 'src/storage/*.ts'],
    format: ['esm'],
    bundle: false,
  },
  {
    // ESM adapters, bundled (they import the core as 'tripswitch'); the ESM declarations of every entry.
    ...shared,
    entry: adapters,
    format: ['esm'],
    dts: { entry: { index: 'src/index.ts', ...adapters } },
    treeshake: true,
  },
  {
    // CommonJS: one file per entry, as before (require() has no tree-shaking to serve).
    ...shared,
    entry: { index: 'src/index.ts', ...adapters },
    format: ['cjs'],
    dts: true,
    treeshake: true,
  },
]);
