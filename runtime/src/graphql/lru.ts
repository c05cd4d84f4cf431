/**
 * A bounded least-recently-used map on a plain `Map` (insertion order is recency: a hit moves the key to the end,
 * eviction takes the first key). Small and explicit on purpose: the whole document cache is a few of these.
 */
export class Lru<K, V> {
  readonly #entries = new Map<K, V>();
  readonly #onEvict: () => void;

  constructor(
    readonly capacity: number,
    onEvict: () => void = () => undefined,
  ) {
    this.#onEvict = onEvict;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: K): V | undefined {
    const value = this.#entries.get(key);
    if (value === undefined) return undefined;
    // Only move when it is not already the newest: the common case for a hot query is one lookup, no re-insert.
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  set(key: K, value: V): void {
    if (this.capacity <= 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    while (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value as K;
      this.#entries.delete(oldest);
      this.#onEvict();
    }
  }

  delete(key: K): boolean {
    return this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}
