import { describe, expectTypeOf, it } from 'vitest';
import {
  CircuitBreaker,
  type CircuitBreakerDecoratorOptions,
  type CircuitBreakerOptions,
  cacheOperation,
  circuitBreaker,
  externalService,
  type PresetOptions,
  Registry,
} from '../src/index.js';

describe('presets', () => {
  it('fit both the wrapper and the decorator, with a fallback', () => {
    const preset = externalService('rates', { fallback: () => ({ EUR: 1 }) });
    expectTypeOf(preset).toExtend<CircuitBreakerDecoratorOptions>();
    const wrapped = circuitBreaker(async (id: string) => ({ id, EUR: 1 }), preset);
    expectTypeOf(wrapped).parameters.toEqualTypeOf<[string]>();
    expectTypeOf(wrapped).returns.toEqualTypeOf<Promise<{ id: string; EUR: number }>>();
  });

  it('keep the name required', () => {
    expectTypeOf(cacheOperation('c')).toEqualTypeOf<PresetOptions>();
    expectTypeOf(cacheOperation('c').name).toEqualTypeOf<string>();
    // @ts-expect-error fallbackToNull takes a boolean
    cacheOperation('c', { fallbackToNull: 'yes' });
  });

  it('pass whole to new CircuitBreaker and getOrCreate', () => {
    const preset = externalService('rates');
    expectTypeOf(preset).toExtend<CircuitBreakerOptions>();
    expectTypeOf(new Registry().getOrCreate(preset.name, preset)).toEqualTypeOf<CircuitBreaker>();
    expectTypeOf(CircuitBreaker.getOrCreate).toBeCallableWith(preset.name, preset);
  });
});
