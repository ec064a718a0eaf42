import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Adapters import the core as 'tripswitch' (one shared copy once built); tests run them against src/.
  resolve: { alias: [{ find: /^tripswitch$/, replacement: new URL('./src/index.ts', import.meta.url).pathname }] },
  test: {
    include: ['test/**/*.test.ts'],
    // test/legacy-decorators/*.test-d.ts are checked by `tsc -p test/legacy-decorators` (npm run typecheck).
    typecheck: { include: ['test/**/*.test-d.ts'], exclude: ['test/legacy-decorators/**'], tsconfig: './tsconfig.json' },
    restoreMocks: true,
  },
});
