// A flaky HTTP-like dependency behind a breaker with a fallback: watch it open, fail fast, recover.
// Run: npm run example
import { CircuitState, circuitBreaker, isCircuitOpenError } from 'tripswitch';

let now = 0; // a hand-moved clock, so the demo shows a 30 s recovery without waiting for it
const clock = { now: () => now };

let upstreamHealthy = true;
let upstreamCalls = 0;
async function fetchUser(id: string): Promise<{ id: string; name: string; source: string }> {
  upstreamCalls++;
  if (!upstreamHealthy) throw new Error('503 Service Unavailable');
  return { id, name: 'Ada Lovelace', source: 'live' };
}

const getUser = circuitBreaker(fetchUser, {
  name: 'users',
  failureThreshold: 3,
  successThreshold: 1,
  recoveryTimeout: 30_000,
  clock,
  fallback: (error, id) => ({ id, name: 'unknown', source: isCircuitOpenError(error) ? 'fallback (circuit open)' : 'fallback' }),
});
getUser.breaker.on('stateChange', (e) => console.log(`  [users] ${e.from} -> ${e.to} (${e.reason})`));

async function show(label: string): Promise<void> {
  try {
    const user = await getUser('u1');
    console.log(`${label}: ${user.name} from ${user.source}`);
  } catch (error) {
    console.log(`${label}: failed with "${(error as Error).message}"`);
  }
}

await show('healthy upstream');
upstreamHealthy = false;
for (let i = 1; i <= 3; i++) await show(`failing upstream #${i}`);
const callsWhenOpened = upstreamCalls;
await show('while open');
await show('while open');
console.log(`upstream calls while open: ${upstreamCalls - callsWhenOpened} (the breaker failed fast)`);
now += 30_000;
upstreamHealthy = true;
await show('after 30 s, trial call');
console.log('final state:', getUser.breaker.state, '| status:', JSON.stringify(getUser.breaker.status().fallbacks), 'fallbacks');
if (getUser.breaker.state !== CircuitState.CLOSED || upstreamCalls - callsWhenOpened !== 1) process.exit(1);
