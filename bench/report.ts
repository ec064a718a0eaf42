import type { Case, Role } from './cases.js';
import { scenarioNotes } from './cases.js';
import { detectorCases } from './detectors.js';
import type { MemoryResult } from './memory.js';
import { permitAllocations } from './permit-cases.js';
import { sharedCountingScenario, sharedCountingSubjects } from './shared-counting-case.js';

/** A measured row. */
export interface Result {
  readonly case: Case;
  /** Median ns per call. */
  readonly ns: number;
}

/** One goal (issues 7 and 16), checked against figures of the same run. */
export interface Goal {
  readonly goal: string;
  readonly measured: string;
  readonly met: boolean;
}

const roles: readonly Role[] = ['bare', 'minimal', 'cockatiel', 'opossum'];

function formatNs(ns: number): string {
  if (ns < 10) return ns.toFixed(2);
  if (ns < 100) return ns.toFixed(1);
  return Math.round(ns).toLocaleString('en');
}

const ratio = (value: number): string => `${value < 10 ? value.toFixed(2) : value.toFixed(1)}x`;

function scenarios(results: readonly Result[]): Map<string, Result[]> {
  const byScenario = new Map<string, Result[]>();
  for (const result of results) {
    const list = byScenario.get(result.case.scenario) ?? [];
    list.push(result);
    byScenario.set(result.case.scenario, list);
  }
  return byScenario;
}

/** The ns/op table with each row's ratio to every reference of its scenario, as Markdown. */
export function resultsTable(results: readonly Result[]): string {
  const lines = ['| Case | ns/op | × bare | × minimal | × cockatiel | × opossum |', '|---|--:|--:|--:|--:|--:|'];
  const notes: string[] = [];
  for (const [scenario, rows] of scenarios(results)) {
    lines.push(`| **${scenario}** | | | | | |`);
    for (const row of rows) {
      const cells = roles.map((role) => {
        const reference = rows.find((r) => r.case.role === role);
        return reference === undefined || reference === row ? '' : ratio(row.ns / reference.ns);
      });
      lines.push(`| ${row.case.subject} | ${formatNs(row.ns)} | ${cells.join(' | ')} |`);
    }
    const note = scenarioNotes[scenario];
    if (note !== undefined) notes.push(`- *${scenario}*: ${note}`);
  }
  return [...lines, '', ...notes].join('\n');
}

/** Bytes per idle breaker and timers armed, as Markdown. */
export function memoryTable(memory: readonly MemoryResult[], count: number): string {
  const lines = [
    `| Idle breakers (${count.toLocaleString('en')}, GC forced) | bytes each | timers armed |`,
    '|---|--:|--:|',
    ...memory.map((m) => `| ${m.subject} | ${Math.round(m.bytesPerBreaker).toLocaleString('en')} | ${m.timers} |`),
  ];
  return lines.join('\n');
}

function ns(results: readonly Result[], scenario: string, subject: string): number {
  const found = results.find((r) => r.case.scenario === scenario && r.case.subject === subject);
  if (found === undefined) throw new Error(`no result for ${scenario} / ${subject}`);
  return found.ns;
}

function atMost(goal: string, value: number, limit: number): Goal {
  return { goal, measured: ratio(value), met: value <= limit };
}

function atLeast(goal: string, value: number, limit: number): Goal {
  return { goal, measured: `${ratio(value)} faster`, met: value >= limit };
}

/** The goals of issues 7 and 16, each with the figure of this run. */
export function goals(results: readonly Result[], memory: readonly MemoryResult[]): Goal[] {
  const as = 'async success, closed';
  const asTs = ns(results, as, 'tripswitch `wrap(fn)()`');
  const ao = 'async rejection while open, caught';
  const aoTs = ns(results, ao, 'tripswitch');
  const so = 'sync rejection while open, caught';
  const ss = 'sync success, closed';
  const ts = memory.find((m) => m.subject === 'tripswitch');
  const list: Goal[] = [
    atMost('async success ≤ 1.3x minimal breaker', asTs / ns(results, as, 'minimal breaker'), 1.3),
    atLeast('async success ≥ 1.4x faster than cockatiel', ns(results, as, 'cockatiel `execute`') / asTs, 1.4),
    atLeast('async success ≥ 5x faster than opossum (default)', ns(results, as, 'opossum `fire` (default)') / asTs, 5),
    atLeast('async success ≥ 5x faster than opossum (timeout: false)', ns(results, as, 'opossum `fire` (timeout: false)') / asTs, 5),
    atMost(
      'sync success ≤ 3x minimal sync breaker',
      ns(results, ss, 'tripswitch `wrap(fn)()`') / ns(results, ss, 'minimal sync breaker'),
      3,
    ),
    atLeast('async open rejection ≥ 3x faster than cockatiel', ns(results, ao, 'cockatiel') / aoTs, 3),
    atLeast('async open rejection ≥ 3x faster than opossum', ns(results, ao, 'opossum') / aoTs, 3),
    atMost('async open rejection ≤ 1.6x the floor', aoTs / ns(results, ao, 'floor `Promise.reject(preallocated)`'), 1.6),
    atMost(
      'sync open rejection ≤ 3x sync throw/catch of a preallocated error',
      ns(results, so, 'tripswitch') / ns(results, so, 'bare `throw preallocated`'),
      3,
    ),
    atMost(
      'shared counting: sync failure ≤ 2x local counting',
      ns(results, sharedCountingScenario, sharedCountingSubjects.shared) /
        ns(results, sharedCountingScenario, sharedCountingSubjects.local),
      2,
    ),
    allocation('permit refused while open: nothing allocated by tripswitch', 'permit refused while open, integer clock', 0.5),
    allocation('permit while closed: at most one small object (≤ 96 B; 56–72 B measured)', 'permit while closed', 96),
  ];
  for (const scenario of ['detectors, sync success', 'detectors, async success']) {
    const reference = ns(results, scenario, 'tripswitch + consecutive');
    for (const { name } of detectorCases.filter((d) => d.name !== 'consecutive')) {
      list.push(atMost(`${scenario}: ${name} ≤ 1.5x consecutive`, ns(results, scenario, `tripswitch + ${name}`) / reference, 1.5));
    }
  }
  if (ts !== undefined) {
    list.push({
      goal: '≤ 1 KiB retained per idle breaker',
      measured: `${Math.round(ts.bytesPerBreaker)} B`,
      met: ts.bytesPerBreaker <= 1024,
    });
    list.push({ goal: 'no timer armed by idle breakers', measured: `${ts.timers} timers`, met: ts.timers === 0 });
  }
  return list;
}

/** Bytes per call measured by a permission row's check (see permit-cases.ts), at most `limit`. */
function allocation(goal: string, subject: string, limit: number): Goal {
  const bytes = permitAllocations.get(subject);
  if (bytes === undefined) throw new Error(`no allocation figure for ${subject}`);
  return { goal, measured: `${bytes.toFixed(1)} B per call`, met: bytes <= limit };
}

/** The goals as Markdown. */
export function goalsTable(list: readonly Goal[]): string {
  return [
    '| Goal | This run | Met |',
    '|---|--:|:-:|',
    ...list.map((g) => `| ${g.goal} | ${g.measured} | ${g.met ? 'yes' : '**no**'} |`),
  ].join('\n');
}
