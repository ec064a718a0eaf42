// The ESM and CJS builds loaded side by side in one process (an ESM app with a CommonJS dependency):
// one default registry, one error brand. Runs the built files in a child process, as Node loads them.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;

const script = `
import { createRequire } from 'node:module';
const esm = await import('./dist/index.js');
const cjs = createRequire(import.meta.url)('./dist/index.cjs');
const results = {};
results.twoCopies = esm.CircuitBreaker !== cjs.CircuitBreaker;
results.sameRegistry = esm.Registry.default === cjs.Registry.default && esm.CircuitBreaker.registry === cjs.CircuitBreaker.registry;
const fromCjs = cjs.circuitBreaker(() => { throw new Error('down'); }, { name: 'from-cjs', failureThreshold: 1 });
try { fromCjs(); } catch {}
const report = esm.CircuitBreaker.health();
results.esmHealthSeesCjs = report.unhealthy;
try { new esm.CircuitBreaker('from-cjs'); results.duplicate = 'registered twice'; } catch (error) { results.duplicate = error.code; }
results.getFromEsm = esm.CircuitBreaker.get('from-cjs') === fromCjs.breaker;
let rejection;
try { fromCjs(); } catch (error) { rejection = error; }
results.brand = [esm.isCircuitOpenError(rejection), esm.isCircuitBreakerError(rejection), rejection instanceof esm.CircuitOpenError, rejection.code];
esm.CircuitBreaker.resetAll();
results.resetFromEsm = fromCjs.breaker.state;
console.log(JSON.stringify(results));
`;

describe('ESM and CJS copies in one process', () => {
  it('share one default registry and one error brand', () => {
    if (!existsSync(`${root}dist/index.cjs`)) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({
      twoCopies: true,
      sameRegistry: true,
      esmHealthSeesCjs: ['from-cjs'],
      duplicate: 'ERR_CIRCUIT_BREAKER_DUPLICATE_NAME',
      getFromEsm: true,
      brand: [true, true, false, 'ERR_CIRCUIT_OPEN'],
      resetFromEsm: 'closed',
    });
  });
});
