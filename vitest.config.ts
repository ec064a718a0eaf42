import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Adapters import the core as 'tripswitch' (one shared copy once built); tests run them against src/.
  resolve: { alias: [{ find: /^tripswitch$/, replacement: new URL('./src/index.ts', import.meta.url).pathname }] },
  test: {
    include: ['test/**/*.test.ts'],
    typecheck: { include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
    restoreMocks: true,
  },
});
