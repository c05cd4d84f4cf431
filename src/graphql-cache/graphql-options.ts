/**
 * The options objects the graphql-cache detector considers: the configuration handed to something that is, or might
 * be, a GraphQL server with a document cache of its own (Apollo Server, GraphQL Yoga, Mercurius, NestJS's
 * GraphQLModule). Each option that switches that cache off ends in exactly one of two places:
 *
 *   - a site: the option is written as the disabling literal in an object passed straight to a known server
 *     (`new ApolloServer({ documentStore: null })`): the codemod removes it;
 *   - left, with its reason: the value is chosen at run time (`cache: process.env.X ? false : true`), the option sits
 *     in a conditional spread (`...(dev ? {} : { persistedQueries: false })`) or in a local object spread or passed in
 *     (`...opts`, `new ApolloServer(config)`), the owner cannot be told to be the server (`app.register(plugin,
 *     { cache: false })` with `plugin` a parameter), or the owner is the package itself (`require('..')` in
 *     Mercurius's own tests switches its cache off on purpose).
 *
 * Options that leave the cache on (`cache: true`, `cache: 512`, `persistedQueries: { ttl }`, a custom
 * `documentStore`) are not sites and need no report.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import type { BindingIndex } from '../core/bindings.js';
import { propertyKeyName } from '../core/bindings.js';
import type { ResolvedExport } from './graphql-symbols.js';

/** An option that switches a server's own document cache off, written as `key: value`. */
export interface CacheOption {
  readonly key: string;
  /** The literal that switches the cache off. */
  readonly off: null | false;
}

export const APOLLO_CACHE_OPTIONS: readonly CacheOption[] = [
  { key: 'documentStore', off: null },
  { key: 'persistedQueries', off: false },
];
export const YOGA_CACHE_OPTIONS: readonly CacheOption[] = [{ key: 'parserAndValidationCache', off: false }];
export const MERCURIUS_CACHE_OPTIONS: readonly CacheOption[] = [{ key: 'cache', off: false }];

export function optionText(option: CacheOption): string {
  return `${option.key}: ${String(option.off)}`;
}

/** An option the codemod removes. */
export interface RemovableOption {
  readonly property: TSESTree.Property;
  readonly object: TSESTree.ObjectExpression;
  readonly option: string;
}

/** An option the codemod considered and leaves. `flag`: the ESLint rule reports it too (a known server, a risk). */
export interface LeftOption {
  readonly node: TSESTree.Node;
  readonly option: string;
  /** The full sentence for the report: the option, its owner and why it stays. */
  readonly reason: string;
  /** Why it stays, alone (the ESLint message frames it). */
  readonly why: string;
  readonly flag: boolean;
}

export interface OptionsVerdict {
  readonly removable: RemovableOption[];
  readonly left: LeftOption[];
}

/** Who receives the options, as the report names it, and what decided it. */
export interface OptionsOwner {
  /** `new ApolloServer()`, `createYoga()`, `mercurius`, ... */
  readonly name: string;
  /** What decided the owner (an import, the type checker, the package's own root); undefined when it could not be told. */
  readonly resolved: ResolvedExport | undefined;
  /** What says the cache is off on purpose (`the route '/graphql-no-cache'`, `the name \`uncachedYoga\``), if anything. */
  readonly onPurpose?: string;
}

/** `null` / `false` written as such (a `null` raw, not a regular expression the parser could not build). */
export function isLiteral(node: TSESTree.Node, value: null | boolean): boolean {
  return node.type === 'Literal' && node.value === value && (value !== null || node.raw === 'null');
}

function unwrap(node: TSESTree.Node): TSESTree.Node {
  let current = node;
  while (
    current.type === 'TSAsExpression' ||
    current.type === 'TSSatisfiesExpression' ||
    current.type === 'TSNonNullExpression'
  )
    current = current.expression;
  return current;
}

/** A value with a branch that is the disabling literal: `x ? false : true`, `flag && false`, `override ?? null`. */
function hasOffBranch(node: TSESTree.Node, off: null | false): boolean {
  const value = unwrap(node);
  if (isLiteral(value, off)) return true;
  if (value.type === 'ConditionalExpression')
    return hasOffBranch(value.consequent, off) || hasOffBranch(value.alternate, off);
  if (value.type === 'LogicalExpression') return hasOffBranch(value.left, off) || hasOffBranch(value.right, off);
  return false;
}

/** The local object literal a name holds (`const opts = { ... }`, never reassigned), or undefined. */
function localObject(
  node: TSESTree.Node,
  index: BindingIndex,
): { object: TSESTree.ObjectExpression; name: string } | undefined {
  const value = unwrap(node);
  if (value.type !== 'Identifier') return undefined;
  const binding = index.resolve(value);
  if (binding?.kind !== 'variable' || binding.path?.length !== 0 || binding.assignments.length > 0) return undefined;
  const init = binding.init ? unwrap(binding.init) : undefined;
  return init?.type === 'ObjectExpression' ? { object: init, name: value.name } : undefined;
}

/** The object literals a conditional spread can produce: `...(dev ? {} : { a })`, `...(prod && { a })`. */
function branchObjects(node: TSESTree.Node): TSESTree.ObjectExpression[] {
  const value = unwrap(node);
  if (value.type === 'ObjectExpression') return [value];
  if (value.type === 'ConditionalExpression')
    return [...branchObjects(value.consequent), ...branchObjects(value.alternate)];
  if (value.type === 'LogicalExpression') return [...branchObjects(value.left), ...branchObjects(value.right)];
  return [];
}

/** A property by its key (`key`, `'key'`, `['key']`). */
export function findOption(object: TSESTree.ObjectExpression, key: string): TSESTree.Property | undefined {
  return object.properties.find(
    (property): property is TSESTree.Property => property.type === 'Property' && propertyKeyName(property) === key,
  );
}

/**
 * Judges the configuration `config` handed to `owner`: what the codemod may remove, what it leaves and why.
 * `known`: the owner is the server (by an import, the checker or the package's own root); otherwise only options
 * written as the disabling literal are considered, and left.
 */
export function judgeCacheOptions(
  config: TSESTree.Node | undefined,
  owner: OptionsOwner,
  options: readonly CacheOption[],
  index: BindingIndex,
): OptionsVerdict {
  const verdict: OptionsVerdict = { removable: [], left: [] };
  if (config === undefined || config.type === 'SpreadElement') return verdict;
  const known = owner.resolved !== undefined;
  const self = owner.resolved?.self === true;
  const leave = (node: TSESTree.Node, option: CacheOption, reason: string, flag: boolean): void => {
    verdict.left.push({
      node,
      option: optionText(option),
      reason: `\`${optionText(option)}\` for ${owner.name}: ${reason}`,
      why: reason,
      flag: flag && known && !self,
    });
  };

  /** `indirect`: why an option of this object cannot be removed from the server's configuration (undefined: it can). */
  const judgeObject = (object: TSESTree.ObjectExpression, indirect: string | undefined): void => {
    for (const option of options) {
      const property = findOption(object, option.key);
      if (property === undefined || !hasOffBranch(property.value, option.off)) continue;
      const literal = isLiteral(unwrap(property.value), option.off);
      if (!literal) {
        leave(
          property,
          option,
          'the value is chosen at run time (a branch of it switches the cache off): remove it by hand if production should keep the cache',
          true,
        );
      } else if (!known) {
        leave(
          property,
          option,
          "the receiver cannot be told to be the server (not imported from its package, nor this package's own root); not removed",
          false,
        );
      } else if (self) {
        leave(
          property,
          option,
          `the package configures itself (${owner.resolved!.evidence}); its own code and tests switch the cache off on purpose; not removed`,
          false,
        );
      } else if (indirect !== undefined) {
        leave(property, option, indirect, true);
      } else if (owner.onPurpose !== undefined) {
        leave(
          property,
          option,
          `${owner.onPurpose} says the cache is off on purpose (a benchmark's or a test's uncached arm); not removed`,
          false,
        );
      } else {
        verdict.removable.push({ property, object, option: optionText(option) });
      }
    }
    for (const property of object.properties) {
      if (property.type !== 'SpreadElement') continue;
      const spread = localObject(property.argument, index);
      if (spread) {
        judgeObject(
          spread.object,
          `set in \`${spread.name}\` and spread in with \`...${spread.name}\`: other code may read the same object; remove it there by hand`,
        );
        continue;
      }
      for (const branch of branchObjects(property.argument)) {
        if (branch === unwrap(property.argument)) judgeObject(branch, indirect);
        else
          judgeObject(
            branch,
            indirect ??
              'inside a conditional spread (which branch runs is decided at run time): remove it by hand if production should keep the cache',
          );
      }
    }
  };

  const value = unwrap(config);
  if (value.type === 'ObjectExpression') {
    judgeObject(value, undefined);
    return verdict;
  }
  const named = localObject(value, index);
  if (named)
    judgeObject(
      named.object,
      `set in \`${named.name}\`, passed as the whole configuration: other code may read the same object; remove it there by hand`,
    );
  return verdict;
}
