// One operation in flight per key: concurrent callers with the same key share its promise, and
// the key is free again the moment it settles, whether it succeeded or failed (a failed refresh
// kept as the pending result forever is a known failure of token helpers).
export class KeyedFlight<V> {
  private readonly flights = new Map<string, Promise<V>>();

  run(key: string, start: () => Promise<V>): Promise<V> {
    const existing = this.flights.get(key);
    if (existing !== undefined) return existing;
    const promise = start().finally(() => this.flights.delete(key));
    this.flights.set(key, promise);
    return promise;
  }
}

/** Runs operations one after another per key (in this container), in the order they were asked for. */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<V>(key: string, operation: () => Promise<V>): Promise<V> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(operation, operation);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
