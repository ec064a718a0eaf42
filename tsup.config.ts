import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', redis: 'src/redis/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  // esbuild lowers standard decorators for every target except esnext; node20 keeps them portable.
  target: 'node20',
  platform: 'neutral',
  treeshake: true,
});
