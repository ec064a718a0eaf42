// A service class with decorated methods: an async one with a fallback, a sync one that stays sync.
import { CircuitBreaker, circuitBreaker } from 'tripswitch';

class Payments {
  #gatewayUp = true;

  setGateway(up: boolean): void {
    this.#gatewayUp = up;
  }

  @circuitBreaker({ name: 'payments', failureThreshold: 2, fallback: () => ({ status: 'queued' }) })
  async charge(orderId: string): Promise<{ status: string }> {
    if (!this.#gatewayUp) throw new Error('gateway timeout');
    return { status: `charged ${orderId}` };
  }

  @circuitBreaker()
  parsePrice(text: string): number {
    const price = Number.parseFloat(text);
    if (Number.isNaN(price)) throw new TypeError(`not a price: ${text}`);
    return price;
  }
}

const payments = new Payments();
const price = payments.parsePrice('19.99'); // a plain number, no promise
console.log('parsePrice is sync:', typeof price === 'number', price);
console.log('charge:', await payments.charge('o-1'));

payments.setGateway(false);
for (const id of ['o-2', 'o-3']) {
  await payments.charge(id).catch((error: Error) => console.log(`charge ${id} failed: ${error.message}`));
}
console.log('charge while open:', await payments.charge('o-4'));
console.log('registry:', CircuitBreaker.getAllStates());
if (CircuitBreaker.get('payments').state !== 'open') process.exit(1);
