/**
 * The document cache: what `graphql()` does before a resolver runs (parse, then validate against the schema with a
 * rule set), done once per exact source string.
 *
 *   schema (WeakMap: a reloaded schema is a new object, so it misses and the old one's entries go with it)
 *     └ validation-rule set (by the identity of each rule function, so `[...specifiedRules, depthLimit]` built once
 *       and reused hits; at most MAX_RULE_SETS sets a schema, the oldest dropped)
 *         ├ documents: Lru<source, { document, hash }>  sources that parsed AND validated
 *         └ errors:    Lru<source, errors>             syntax and validation errors, a bound of their own, so a
 *                                                         storm of invalid queries never evicts a good document
 *
 * Sources longer than `maxSourceLength` are parsed and validated every time (`bypass`): the cache holds at most
 * maxDocuments × maxSourceLength characters of source and the documents made from them.
 *
 * The split form (`cachedParse(source)` then `cachedValidate(schema, document)`) serves code that calls parse,
 * validate and execute itself: parse results by source in a schema-free Lru, validation results per document object
 * (WeakMap), schema and rule set. Both return the very objects graphql-js would have returned equivalents of: cached
 * documents are never mutated by execute, cached errors are the same GraphQLError instances on every hit.
 */
import { createHash } from 'node:crypto';
import {
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { Lru } from './lru.js';
import { CacheCounts, registerCacheMetrics, type LookupResult } from './metrics.js';
import type { Registry } from 'prom-client';

export interface DocumentCacheOptions {
  /** Valid documents kept per schema and rule set. Default 1000. */
  readonly maxDocuments?: number;
  /** Invalid sources (syntax or validation errors) kept per schema and rule set. Default 500. */
  readonly maxErrors?: number;
  /** Longest source (characters) the cache admits; longer ones are parsed every time. Default 50,000. */
  readonly maxSourceLength?: number;
  /** Label of this cache in the metrics. Default 'default'. */
  readonly name?: string;
  /** prom-client registry for the metrics (the global one by default); `false`: no metrics. */
  readonly registry?: Registry | false;
}

/** A document that parsed and validated, with the SHA-256 of its source (the APQ hash and the log's document_hash). */
export interface CachedDocument {
  readonly document: DocumentNode;
  readonly hash: string;
}

export type Lookup =
  | {
      readonly ok: true;
      readonly entry: CachedDocument;
      readonly cache: LookupResult;
      readonly parseMs: number;
      readonly validateMs: number;
    }
  | {
      readonly ok: false;
      readonly errors: readonly GraphQLError[];
      readonly hash: string;
      /** Set when the source parsed (the errors come from validation). */
      readonly document: DocumentNode | undefined;
      readonly cache: LookupResult;
      readonly parseMs: number;
      readonly validateMs: number;
    };

interface Bucket {
  readonly documents: Lru<string, CachedDocument>;
  readonly errors: Lru<string, { errors: readonly GraphQLError[]; hash: string; document: DocumentNode | undefined }>;
}

const MAX_RULE_SETS = 16;
const DEFAULTS = { maxDocuments: 1000, maxErrors: 500, maxSourceLength: 50_000 } as const;

/** A stable key for a rule set: the ids of its rule functions, in order. */
const ruleIds = new WeakMap<ValidationRule, number>();
let nextRuleId = 0;
function ruleSetKey(rules: readonly ValidationRule[]): string {
  if (rules === specifiedRules) return 'specified';
  let key = '';
  for (const rule of rules) {
    let id = ruleIds.get(rule);
    if (id === undefined) {
      id = nextRuleId++;
      ruleIds.set(rule, id);
    }
    key += `${id},`;
  }
  return key;
}

export function sha256Hex(source: string): string {
  return createHash('sha256').update(source).digest('hex');
}

function checkLimit(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0)
    throw new TypeError(`createDocumentCache: ${name} must be a whole number ≥ 0, got ${String(value)}`);
  return value;
}

export class DocumentCache {
  readonly maxDocuments: number;
  readonly maxErrors: number;
  readonly maxSourceLength: number;
  readonly counts: CacheCounts;
  readonly #bySchema = new WeakMap<GraphQLSchema, Map<string, Bucket>>();
  /** Buckets alive, for the entries gauge (weak: a dropped schema's bucket is not kept by the gauge). */
  readonly #buckets = new Set<WeakRef<Bucket>>();
  readonly #parsed: Lru<string, DocumentNode>;
  readonly #syntaxErrors: Lru<string, GraphQLError>;
  readonly #validated = new WeakMap<DocumentNode, WeakMap<GraphQLSchema, Map<string, readonly GraphQLError[]>>>();

  constructor(options: DocumentCacheOptions = {}) {
    this.maxDocuments = checkLimit(options.maxDocuments, 'maxDocuments', DEFAULTS.maxDocuments);
    this.maxErrors = checkLimit(options.maxErrors, 'maxErrors', DEFAULTS.maxErrors);
    this.maxSourceLength = checkLimit(options.maxSourceLength, 'maxSourceLength', DEFAULTS.maxSourceLength);
    this.counts = new CacheCounts(() => this.#entryCounts());
    this.#parsed = new Lru(this.maxDocuments, () => this.counts.documentEvictions++);
    this.#syntaxErrors = new Lru(this.maxErrors, () => this.counts.errorEvictions++);
    if (options.registry !== false) registerCacheMetrics(options.registry, options.name ?? 'default', this.counts);
  }

  /** Parse + validate `source` for `schema` and `rules`, from the cache when it was seen before. */
  lookup(schema: GraphQLSchema, source: string, rules: readonly ValidationRule[] = specifiedRules): Lookup {
    const admitted = source.length <= this.maxSourceLength;
    const bucket = admitted ? this.#bucket(schema, rules) : undefined;
    if (bucket !== undefined) {
      const entry = bucket.documents.get(source);
      if (entry !== undefined) {
        this.counts.hit++;
        return { ok: true, entry, cache: 'hit', parseMs: 0, validateMs: 0 };
      }
      const failed = bucket.errors.get(source);
      if (failed !== undefined) {
        this.counts.hit++;
        return { ok: false, ...failed, cache: 'hit', parseMs: 0, validateMs: 0 };
      }
      this.counts.miss++;
    } else {
      this.counts.bypass++;
    }
    const cache: LookupResult = bucket ? 'miss' : 'bypass';
    const hash = sha256Hex(source);
    const parseStart = performance.now();
    let document: DocumentNode;
    try {
      document = parse(source);
    } catch (error) {
      const parseMs = performance.now() - parseStart;
      if (!(error instanceof GraphQLError)) throw error;
      const errors = [error];
      bucket?.errors.set(source, { errors, hash, document: undefined });
      return { ok: false, errors, hash, document: undefined, cache, parseMs, validateMs: 0 };
    }
    const validateStart = performance.now();
    const parseMs = validateStart - parseStart;
    const errors = validate(schema, document, rules);
    const validateMs = performance.now() - validateStart;
    if (errors.length > 0) {
      bucket?.errors.set(source, { errors, hash, document });
      return { ok: false, errors, hash, document, cache, parseMs, validateMs };
    }
    const entry: CachedDocument = { document, hash };
    bucket?.documents.set(source, entry);
    return { ok: true, entry, cache, parseMs, validateMs };
  }

  /** `parse(source)` from the cache: the same DocumentNode for the same source; a syntax error thrown as parse throws it. */
  parse(source: string): DocumentNode {
    if (source.length > this.maxSourceLength) {
      this.counts.bypass++;
      return parse(source);
    }
    const document = this.#parsed.get(source);
    if (document !== undefined) {
      this.counts.hit++;
      return document;
    }
    const syntaxError = this.#syntaxErrors.get(source);
    if (syntaxError !== undefined) {
      this.counts.hit++;
      throw syntaxError;
    }
    this.counts.miss++;
    try {
      const parsed = parse(source);
      this.#parsed.set(source, parsed);
      return parsed;
    } catch (error) {
      if (error instanceof GraphQLError) this.#syntaxErrors.set(source, error);
      throw error;
    }
  }

  /** `validate(schema, document, rules)` remembered per document object, schema and rule set. */
  validate(
    schema: GraphQLSchema,
    document: DocumentNode,
    rules: readonly ValidationRule[] = specifiedRules,
  ): readonly GraphQLError[] {
    let bySchema = this.#validated.get(document);
    if (bySchema === undefined) {
      bySchema = new WeakMap();
      this.#validated.set(document, bySchema);
    }
    let byRules = bySchema.get(schema);
    if (byRules === undefined) {
      byRules = new Map();
      bySchema.set(schema, byRules);
    }
    const key = ruleSetKey(rules);
    const known = byRules.get(key);
    if (known !== undefined) return known;
    const errors = validate(schema, document, rules);
    // A document validated against ever-new rule functions keeps at most MAX_RULE_SETS results.
    if (byRules.size >= MAX_RULE_SETS) byRules.delete(byRules.keys().next().value as string);
    byRules.set(key, errors);
    return errors;
  }

  /** Drops every entry (all schemas). */
  clear(): void {
    for (const ref of this.#buckets) {
      const bucket = ref.deref();
      bucket?.documents.clear();
      bucket?.errors.clear();
    }
    this.#buckets.clear();
    this.#parsed.clear();
    this.#syntaxErrors.clear();
  }

  #bucket(schema: GraphQLSchema, rules: readonly ValidationRule[]): Bucket {
    let byRules = this.#bySchema.get(schema);
    if (byRules === undefined) {
      byRules = new Map();
      this.#bySchema.set(schema, byRules);
    }
    const key = ruleSetKey(rules);
    let bucket = byRules.get(key);
    if (bucket === undefined) {
      if (byRules.size >= MAX_RULE_SETS) byRules.delete(byRules.keys().next().value as string);
      bucket = {
        documents: new Lru(this.maxDocuments, () => this.counts.documentEvictions++),
        errors: new Lru(this.maxErrors, () => this.counts.errorEvictions++),
      };
      byRules.set(key, bucket);
      this.#buckets.add(new WeakRef(bucket));
    }
    return bucket;
  }

  #entryCounts(): { document: number; error: number } {
    let document = this.#parsed.size;
    let error = this.#syntaxErrors.size;
    for (const ref of this.#buckets) {
      const bucket = ref.deref();
      if (bucket === undefined) {
        this.#buckets.delete(ref);
        continue;
      }
      document += bucket.documents.size;
      error += bucket.errors.size;
    }
    return { document, error };
  }
}

export function createDocumentCache(options?: DocumentCacheOptions): DocumentCache {
  return new DocumentCache(options);
}

let defaultCache: DocumentCache | undefined;
/** The process-wide cache `cachedGraphql`, `cachedParse` and `cachedValidate` use unless given one. */
export function defaultDocumentCache(): DocumentCache {
  defaultCache ??= new DocumentCache();
  return defaultCache;
}
