// Type-checked against the built package by test/package-types.test.ts, under every moduleResolution and
// both decorator dialects. Shared by both dialects: nothing here depends on which one compiles it.
import { CircuitBreaker, type CircuitBreakerFunction, circuitBreaker, isCircuitOpenError, type Registry } from 'tripswitch';
import { type HttpResponseInit, toHttpResponse } from 'tripswitch/http';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
export function assertType<T extends true>(_proof?: T): void {}

function parse(value: string): number;
function parse(value: number): string;
function parse(value: string | number): number | string {
  return typeof value === 'string' ? Number(value) : String(value);
}
const safeParse = circuitBreaker(parse, { name: 'parse' });
assertType<Equal<ReturnType<typeof safeParse.breaker.status>['name'], string>>();
export const parsed: number = safeParse('1');
export const printed: string = safeParse(1);

const greet = circuitBreaker(function (this: { name: string }, greeting: string): string {
  return `${greeting}, ${this.name}`;
});
assertType<Equal<ThisParameterType<typeof greet>, { name: string }>>();
assertType<Equal<typeof greet, CircuitBreakerFunction<(this: { name: string }, greeting: string) => string>>>();

const registry: Registry = CircuitBreaker.registry.configure('payments', { failureThreshold: 3 });
export const payments: CircuitBreaker = registry.getOrCreate('payments');

export function answer(error: unknown): HttpResponseInit | undefined {
  return isCircuitOpenError(error) ? toHttpResponse(error) : undefined;
}
