import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    http: 'src/integrations/http.ts',
    prometheus: 'src/integrations/prometheus.ts',
    opentelemetry: 'src/integrations/opentelemetry.ts',
    fetch: 'src/integrations/fetch.ts',
    redis: 'src/redis/index.ts',
    dashboard: 'src/integrations/dashboard/index.ts',
  },
  // Adapters import the core by the package's own name, so every entry shares one copy of it.
  external: ['tripswitch'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  // esbuild lowers standard decorators for every target except esnext; node20 keeps them portable.
  target: 'node20',
  platform: 'neutral',
  treeshake: true,
});
