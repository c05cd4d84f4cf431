/**
 * A bounded least-recently-used map: a `Map` for lookup and a doubly linked list for recency (a hit moves its entry
 * to the newest end, eviction takes the oldest end), so every operation costs the same however long the cache runs.
 * (Taking the first key of a `Map` instead makes V8 step over every deleted slot before it: slower as it runs.)
 * Small and explicit on purpose: the whole document cache is a few of these.
 */
interface Entry<K, V> {
  key: K;
  value: V;
  older: Entry<K, V> | undefined;
  newer: Entry<K, V> | undefined;
}

export class Lru<K, V> {
  readonly #entries = new Map<K, Entry<K, V>>();
  readonly #onEvict: () => void;
  #oldest: Entry<K, V> | undefined;
  #newest: Entry<K, V> | undefined;

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
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry !== this.#newest) {
      this.#unlink(entry);
      this.#append(entry);
    }
    return entry.value;
  }

  set(key: K, value: V): void {
    if (this.capacity <= 0) return;
    const known = this.#entries.get(key);
    if (known !== undefined) {
      known.value = value;
      if (known !== this.#newest) {
        this.#unlink(known);
        this.#append(known);
      }
      return;
    }
    let entry: Entry<K, V>;
    if (this.#oldest !== undefined && this.#entries.size >= this.capacity) {
      // At the bound the evicted entry carries the new key: no allocation per eviction, less garbage to collect.
      entry = this.#oldest;
      this.#unlink(entry);
      this.#entries.delete(entry.key);
      this.#onEvict();
      entry.key = key;
      entry.value = value;
    } else {
      entry = { key, value, older: undefined, newer: undefined };
    }
    this.#entries.set(key, entry);
    this.#append(entry);
    while (this.#entries.size > this.capacity) {
      const oldest = this.#oldest!;
      this.#unlink(oldest);
      this.#entries.delete(oldest.key);
      this.#onEvict();
    }
  }

  delete(key: K): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#unlink(entry);
    return this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
    this.#oldest = undefined;
    this.#newest = undefined;
  }

  #unlink(entry: Entry<K, V>): void {
    if (entry.older === undefined) this.#oldest = entry.newer;
    else entry.older.newer = entry.newer;
    if (entry.newer === undefined) this.#newest = entry.older;
    else entry.newer.older = entry.older;
    entry.older = undefined;
    entry.newer = undefined;
  }

  #append(entry: Entry<K, V>): void {
    entry.older = this.#newest;
    if (this.#newest === undefined) this.#oldest = entry;
    else this.#newest.newer = entry;
    this.#newest = entry;
  }
}
