import { describe, expect, it } from 'vitest';
import { ConsecutiveFailuresDetector } from '../../src/detectors/consecutive.js';
import { circuitBreaker } from '../../src/wrap.js';

describe('circuitBreaker decorator with perInstance', () => {
  it('builds one detector per object from a factory', () => {
    class Client {
      constructor(readonly healthy: boolean) {}
      @circuitBreaker({ perInstance: true, detector: () => new ConsecutiveFailuresDetector({ failureThreshold: 1 }) })
      ping(): string {
        if (!this.healthy) throw new Error('down');
        return 'pong';
      }
    }
    const sick = new Client(false);
    const well = new Client(true);
    expect(() => sick.ping()).toThrow('down');
    expect(() => sick.ping()).toThrow(expect.objectContaining({ name: 'CircuitOpenError' }));
    expect(well.ping()).toBe('pong');
  });

  it('calls a detector factory once per breaker, never for validation alone', () => {
    let built = 0;
    const detector = () => {
      built++;
      return new ConsecutiveFailuresDetector({ failureThreshold: 1 });
    };
    class Shared {
      @circuitBreaker({ registry: false, detector })
      ping(): string {
        return 'pong';
      }
    }
    class PerObject {
      @circuitBreaker({ perInstance: true, detector })
      ping(): string {
        return 'pong';
      }
    }
    expect(built).toBe(0);
    new Shared().ping();
    new Shared().ping();
    expect(built).toBe(1);
    new PerObject().ping();
    new PerObject().ping();
    expect(built).toBe(3);
  });

  it('still refuses window options a factory would ignore, at decoration', () => {
    expect(() => circuitBreaker({ detector: () => new ConsecutiveFailuresDetector({ failureThreshold: 1 }), windowSize: 5 })).toThrow(
      'Option `windowSize` does not apply to a detector instance or factory',
    );
  });

  it('builds one named detector per object', () => {
    class Client {
      @circuitBreaker({ perInstance: true, detector: 'countWindow', windowSize: 2, minimumCalls: 2 })
      fail(): never {
        throw new Error('down');
      }
      ok(): string {
        return 'ok';
      }
    }
    const a = new Client();
    expect(() => a.fail()).toThrow('down');
    expect(() => new Client().fail()).toThrow('down'); // another object: its own window of 1 call
    expect(() => a.fail()).toThrow('down');
    expect(() => a.fail()).toThrow(expect.objectContaining({ name: 'CircuitOpenError' }));
  });

  it('still refuses a detector instance, which every object would share', () => {
    expect(() => circuitBreaker({ perInstance: true, detector: new ConsecutiveFailuresDetector({ failureThreshold: 1 }) })).toThrow(
      /factory/,
    );
  });
});
