// A module that tests import twice (after vi.resetModules()) to stand for HMR or jest.resetModules().
import { circuitBreaker } from '../src/index.js';

export class Reloaded {
  @circuitBreaker()
  ping(): string {
    return 'pong';
  }
}
