/**
 * Finds `consumer.run({ eachMessage | eachBatch })` calls and decides whether the receiver is a kafkajs Consumer:
 * with types, when its type is kafkajs' `Consumer`; without, by the evidence a reviewer reads: the value was made by
 * `<kafka>.consumer(…)` where `<kafka>` is a `new Kafka(…)` whose `Kafka` is imported (or required) from kafkajs, or it
 * is declared with kafkajs' `Consumer` type. Also finds the consumer's `groupId`, which the wrappers need.
 * Every `run({ eachMessage | eachBatch })` call is returned: as a site with evidence, or with the reason it is not one.
 */
import type { TSESTree } from '@typescript-eslint/typescript-estree';
import type ts from 'typescript';
import {
  buildBindingIndex,
  propertyKeyName,
  type Binding,
  type BindingIndex,
  type ClassNode,
} from '../core/bindings.js';
import { dirname } from 'node:path';
import { loadModule, resolveModuleFile } from '../core/modules.js';
import type { TypeServices } from '../core/parse.js';
import { traverse } from '../core/traverse.js';

export const KAFKAJS = 'kafkajs';
const KAFKAJS_TYPINGS = /[\\/]node_modules[\\/]kafkajs[\\/]/;
const TYPE_FLAGS_ANY_OR_UNKNOWN = (1 << 0) | (1 << 1);
const SYMBOL_FLAGS_ALIAS = 1 << 21;

export type HandlerKind = 'eachMessage' | 'eachBatch';

export interface RunCall {
  readonly call: TSESTree.CallExpression;
  readonly receiver: TSESTree.Expression;
  /** The `run` argument when it is an object literal. */
  readonly options?: TSESTree.ObjectExpression;
  /** The eachMessage / eachBatch property of that object. */
  readonly handler?: TSESTree.Property;
  readonly kind?: HandlerKind;
}

export type ConsumerVerdict =
  | {
      readonly kind: 'consumer';
      readonly evidence: string;
      readonly creation?: TSESTree.CallExpression;
      /** Declared as a Consumer and made by something else (`connectConsumer()`): where its value comes from. */
      readonly madeBy?: TSESTree.Node;
    }
  | { readonly kind: 'not-consumer' | 'unknown'; readonly reason: string };

export interface KafkaRunSites {
  readonly runs: readonly { readonly run: RunCall; readonly verdict: ConsumerVerdict }[];
  readonly index: BindingIndex;
}

/** Cheap text test: a file without these words has no site. */
export function mayHaveKafkaRun(source: string): boolean {
  return /\beach(?:Message|Batch)\b/.test(source) && /\.\s*run\s*\(/.test(source);
}

/** The file each scanned program was read from: the shared-instance evidence reads the module a `kafka` comes from. */
const fileOfProgram = new WeakMap<TSESTree.Program, string>();

export function findKafkaRuns(program: TSESTree.Program, types?: TypeServices, filePath?: string): KafkaRunSites {
  if (filePath !== undefined) fileOfProgram.set(program, filePath);
  const { index, collected } = buildBindingIndex(program, (node) => runCall(node));
  const runs = collected.map((run) => ({ run, verdict: judgeReceiver(run.receiver, index, program, types) }));
  return { runs, index };
}

function runCall(node: TSESTree.Node): RunCall | undefined {
  if (node.type !== 'CallExpression' || node.callee.type !== 'MemberExpression' || node.callee.computed)
    return undefined;
  if (node.callee.property.type !== 'Identifier' || node.callee.property.name !== 'run') return undefined;
  const [argument] = node.arguments;
  if (argument === undefined) return undefined;
  if (argument.type !== 'ObjectExpression') {
    return argument.type === 'Identifier' ? { call: node, receiver: node.callee.object } : undefined;
  }
  for (const property of argument.properties) {
    if (property.type !== 'Property') continue;
    const name = propertyKeyName(property);
    if (name === 'eachMessage' || name === 'eachBatch')
      return { call: node, receiver: node.callee.object, options: argument, handler: property, kind: name };
  }
  return undefined;
}

function judgeReceiver(
  receiver: TSESTree.Expression,
  index: BindingIndex,
  program: TSESTree.Program,
  types?: TypeServices,
): ConsumerVerdict {
  const traced = traceConsumer(receiver, index, program, 0);
  if (types) {
    const byType = consumerByType(receiver, types);
    if (byType.kind === 'consumer')
      return {
        ...byType,
        creation: traced.kind === 'consumer' ? traced.creation : findCreation(receiver, index, program, 0),
      };
    if (byType.kind === 'not-consumer') return byType;
  }
  return traced;
}

function consumerByType(node: TSESTree.Node, types: TypeServices): ConsumerVerdict {
  const tsNode = types.esTreeNodeToTSNodeMap.get(node as never) as ts.Node | undefined;
  if (!tsNode) return { kind: 'unknown', reason: 'no type information for the receiver' };
  const checker = types.program.getTypeChecker();
  const type = checker.getNonNullableType(checker.getTypeAtLocation(tsNode));
  const text = checker.typeToString(type);
  if (type.flags & TYPE_FLAGS_ANY_OR_UNKNOWN) return { kind: 'unknown', reason: `its type is \`${text}\`` };
  // kafkajs declares `type Consumer = { … }`: the alias carries the name, the object type's own symbol is `__type`.
  const isKafkajsConsumer = [type.aliasSymbol, type.getSymbol()].some((candidate) => {
    const symbol = candidate && candidate.flags & SYMBOL_FLAGS_ALIAS ? checker.getAliasedSymbol(candidate) : candidate;
    return (
      symbol?.getName() === 'Consumer' &&
      (symbol.getDeclarations() ?? []).some((declaration) => KAFKAJS_TYPINGS.test(declaration.getSourceFile().fileName))
    );
  });
  if (isKafkajsConsumer) return { kind: 'consumer', evidence: `its type \`${text}\` is kafkajs' Consumer` };
  return { kind: 'not-consumer', reason: `its type \`${text}\` is not kafkajs' Consumer` };
}

const unwrap = (node: TSESTree.Expression): TSESTree.Expression => {
  let current = node;
  while (
    current.type === 'AwaitExpression' ||
    current.type === 'TSAsExpression' ||
    current.type === 'TSNonNullExpression' ||
    current.type === 'TSSatisfiesExpression' ||
    current.type === 'ChainExpression'
  ) {
    current = current.type === 'AwaitExpression' ? current.argument : current.expression;
  }
  return current;
};

/** The values a receiver can hold in this file: a variable's initializer and assignments, a class field's. */
function valuesOf(
  node: TSESTree.Expression,
  index: BindingIndex,
  program: TSESTree.Program,
): { values: TSESTree.Expression[]; binding?: Binding; annotation?: TSESTree.TypeNode; what: string } {
  const target = unwrap(node);
  if (target.type === 'Identifier') {
    const binding = index.resolve(target);
    if (!binding) return { values: [], what: `\`${target.name}\` is not declared in this file` };
    const values = [
      ...(binding.init && (binding.path?.length ?? 0) === 0 ? [binding.init] : []),
      ...binding.assignments,
    ];
    return { values, binding, annotation: binding.typeAnnotation, what: `\`${target.name}\`` };
  }
  if (
    target.type === 'MemberExpression' &&
    target.object.type === 'ThisExpression' &&
    !target.computed &&
    target.property.type === 'Identifier'
  ) {
    const classNode = index.thisClass(target.object);
    const name = target.property.name;
    if (!classNode) return { values: [], what: `\`this.${name}\` outside a class` };
    const field = classField(classNode, name);
    const values = [
      ...(field?.value ? [field.value] : []),
      ...index.thisAssignments(classNode, name).map((assignment) => assignment.right),
    ];
    const parameter = constructorParameter(classNode, name);
    return { values, annotation: field?.typeAnnotation?.typeAnnotation ?? parameter, what: `\`this.${name}\`` };
  }
  void program;
  return { values: [], what: 'the receiver' };
}

function classField(classNode: ClassNode, name: string): TSESTree.PropertyDefinition | undefined {
  return classNode.body.body.find(
    (member): member is TSESTree.PropertyDefinition =>
      member.type === 'PropertyDefinition' && !member.static && propertyKeyName(member) === name,
  );
}

/** `constructor(private readonly consumer: Consumer)`: a parameter property's annotation. */
function constructorParameter(classNode: ClassNode, name: string): TSESTree.TypeNode | undefined {
  const constructor = classNode.body.body.find(
    (member): member is TSESTree.MethodDefinition =>
      member.type === 'MethodDefinition' && member.kind === 'constructor',
  );
  for (const parameter of constructor?.value.params ?? []) {
    if (
      parameter.type === 'TSParameterProperty' &&
      parameter.parameter.type === 'Identifier' &&
      parameter.parameter.name === name
    ) {
      return parameter.parameter.typeAnnotation?.typeAnnotation;
    }
  }
  return undefined;
}

/** Whether a type annotation names `name` imported from kafkajs (`Consumer`, `kafkajs.Consumer`, `Consumer | null`). */
function annotatesKafkajs(annotation: TSESTree.TypeNode | undefined, name: string, index: BindingIndex): boolean {
  if (annotation?.type === 'TSUnionType') {
    // `Consumer | null`, `Consumer | undefined`: a consumer that is not made yet, or was stopped.
    const present = annotation.types.filter(
      (member) => member.type !== 'TSNullKeyword' && member.type !== 'TSUndefinedKeyword',
    );
    return present.length === 1 && annotatesKafkajs(present[0], name, index);
  }
  if (annotation?.type !== 'TSTypeReference') return false;
  const typeName = annotation.typeName;
  if (typeName.type === 'Identifier') {
    const binding = index.resolve(typeName);
    return binding?.kind === 'import' && binding.importFrom === KAFKAJS && binding.importedName === name;
  }
  if (typeName.type === 'TSQualifiedName' && typeName.left.type === 'Identifier' && typeName.right.name === name) {
    const binding = index.resolve(typeName.left);
    return binding?.kind === 'import' && binding.importFrom === KAFKAJS;
  }
  return false;
}

function traceConsumer(
  node: TSESTree.Expression,
  index: BindingIndex,
  program: TSESTree.Program,
  depth: number,
): ConsumerVerdict {
  if (depth > 6) return { kind: 'unknown', reason: 'the consumer is passed through too many hands to follow' };
  const direct = unwrap(node);
  if (isConsumerCreation(direct)) return creationVerdict(direct, index, program, depth);
  const { values, annotation, what } = valuesOf(direct, index, program);
  if (annotatesKafkajs(annotation, 'Consumer', index)) {
    const created = values.map(unwrap).find(isConsumerCreation);
    const madeBy = values
      .map(unwrap)
      .find(
        (value) =>
          !(value.type === 'Literal' && value.value === null) &&
          !(value.type === 'Identifier' && value.name === 'undefined'),
      );
    return {
      kind: 'consumer',
      evidence: `${what} is declared as kafkajs' Consumer`,
      creation: created,
      ...(created === undefined && madeBy ? { madeBy } : {}),
    };
  }
  const reasons: string[] = [];
  for (const value of values) {
    const verdict = traceConsumer(value, index, program, depth + 1);
    if (verdict.kind === 'consumer') return verdict;
    reasons.push(verdict.reason);
  }
  return {
    kind: 'unknown',
    reason:
      reasons[0] ??
      `${what} is not shown to be a kafkajs Consumer (no \`kafka.consumer(…)\` or \`Consumer\` type in this file)`,
  };
}

function isConsumerCreation(
  node: TSESTree.Expression,
): node is TSESTree.CallExpression & { callee: TSESTree.MemberExpression } {
  return (
    node.type === 'CallExpression' &&
    node.callee.type === 'MemberExpression' &&
    !node.callee.computed &&
    node.callee.property.type === 'Identifier' &&
    node.callee.property.name === 'consumer'
  );
}

function creationVerdict(
  call: TSESTree.CallExpression & { callee: TSESTree.MemberExpression },
  index: BindingIndex,
  program: TSESTree.Program,
  depth: number,
): ConsumerVerdict {
  const kafka =
    kafkaEvidence(call.callee.object as TSESTree.Expression, index, program, depth + 1) ??
    sharedKafkaEvidence(call, index, program);
  if (kafka === undefined)
    return { kind: 'unknown', reason: '`.consumer(…)` is called on something not shown to be a kafkajs `Kafka`' };
  return { kind: 'consumer', evidence: `made by \`.consumer(…)\` on ${kafka}`, creation: call };
}

/**
 * The common project layout: `export const kafka = new Kafka(…)` in one module, `kafka.consumer({ groupId })` in
 * another. Without types, a `.consumer({ groupId })` call on a value imported from a relative module counts when the
 * file itself imports kafkajs, or when that module is read and makes the value with kafkajs' `new Kafka(…)` (a
 * reviewer opens it to check).
 */
function sharedKafkaEvidence(
  call: TSESTree.CallExpression & { callee: TSESTree.MemberExpression },
  index: BindingIndex,
  program: TSESTree.Program,
): string | undefined {
  const object = unwrap(call.callee.object as TSESTree.Expression);
  if (object.type !== 'Identifier' || groupIdOf(call) === undefined) return undefined;
  const binding = index.resolve(object);
  if (binding?.kind !== 'import' || !binding.importFrom?.startsWith('.')) return undefined;
  const importsKafkajs = program.body.some(
    (statement) => statement.type === 'ImportDeclaration' && statement.source.value === KAFKAJS,
  );
  if (importsKafkajs)
    return `\`${object.name}\` imported from '${binding.importFrom}', called with a groupId in a file that imports kafkajs`;
  const filePath = fileOfProgram.get(program);
  const file = filePath === undefined ? undefined : resolveModuleFile(dirname(filePath), binding.importFrom);
  const loaded = file === undefined ? undefined : loadModule(file);
  if (loaded === undefined || !exportsKafkaInstance(loaded.program, binding.importedName ?? '')) return undefined;
  return `\`${object.name}\` imported from '${binding.importFrom}', which makes it with \`new Kafka(…)\` from kafkajs`;
}

/** Whether a module exports `name` as a `new Kafka(…)` with `Kafka` imported or required from kafkajs. */
function exportsKafkaInstance(module: TSESTree.Program, name: string): boolean {
  const kafkaNames = new Set<string>();
  const made = new Set<string>();
  traverse(module, (node) => {
    if (node.type === 'ImportDeclaration' && node.source.value === KAFKAJS) {
      for (const specifier of node.specifiers) {
        const imported =
          specifier.type === 'ImportSpecifier'
            ? specifier.imported.type === 'Identifier'
              ? specifier.imported.name
              : specifier.imported.value
            : undefined;
        if (imported === 'Kafka') kafkaNames.add(specifier.local.name);
      }
    }
    if (
      node.type === 'VariableDeclarator' &&
      node.id.type === 'ObjectPattern' &&
      node.init?.type === 'CallExpression' &&
      node.init.callee.type === 'Identifier' &&
      node.init.callee.name === 'require'
    ) {
      const [specifier] = node.init.arguments;
      if (specifier?.type === 'Literal' && specifier.value === KAFKAJS) {
        for (const property of node.id.properties)
          if (
            property.type === 'Property' &&
            propertyKeyName(property) === 'Kafka' &&
            property.value.type === 'Identifier'
          )
            kafkaNames.add(property.value.name);
      }
    }
  });
  traverse(module, (node) => {
    if (
      node.type === 'VariableDeclarator' &&
      node.id.type === 'Identifier' &&
      node.init?.type === 'NewExpression' &&
      node.init.callee.type === 'Identifier' &&
      kafkaNames.has(node.init.callee.name)
    )
      made.add(node.id.name);
  });
  if (!made.has(name) && name !== 'default') return false;
  return module.body.some((statement) => {
    if (statement.type === 'ExportNamedDeclaration') {
      const declared =
        statement.declaration?.type === 'VariableDeclaration' &&
        statement.declaration.declarations.some(
          (declarator) => declarator.id.type === 'Identifier' && declarator.id.name === name,
        );
      const listed = statement.specifiers.some(
        (specifier) =>
          specifier.exported.type === 'Identifier' &&
          specifier.exported.name === name &&
          specifier.local.type === 'Identifier' &&
          made.has(specifier.local.name),
      );
      return declared || listed;
    }
    return (
      statement.type === 'ExportDefaultDeclaration' &&
      name === 'default' &&
      statement.declaration.type === 'Identifier' &&
      made.has(statement.declaration.name)
    );
  });
}

/** The `.consumer(…)` call a receiver's value comes from, whatever it is called on (types already said Consumer). */
function findCreation(
  node: TSESTree.Expression,
  index: BindingIndex,
  program: TSESTree.Program,
  depth: number,
): TSESTree.CallExpression | undefined {
  if (depth > 6) return undefined;
  const direct = unwrap(node);
  if (isConsumerCreation(direct)) return direct;
  for (const value of valuesOf(direct, index, program).values) {
    const found = findCreation(value, index, program, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** How `node` is known to be a kafkajs `Kafka` instance, or undefined. */
function kafkaEvidence(
  node: TSESTree.Expression,
  index: BindingIndex,
  program: TSESTree.Program,
  depth: number,
): string | undefined {
  if (depth > 8) return undefined;
  const direct = unwrap(node);
  if (direct.type === 'NewExpression')
    return isKafkaClass(direct.callee, index) ? 'a `new Kafka(…)` from kafkajs' : undefined;
  const { values, annotation, what } = valuesOf(direct, index, program);
  if (annotatesKafkajs(annotation, 'Kafka', index)) return `${what}, declared as kafkajs' Kafka`;
  for (const value of values) {
    const evidence = kafkaEvidence(value, index, program, depth + 1);
    if (evidence !== undefined) return evidence;
  }
  return undefined;
}

/** `Kafka` imported or required from kafkajs (named, namespace member `kafkajs.Kafka`, or destructured require). */
function isKafkaClass(callee: TSESTree.Node, index: BindingIndex): boolean {
  if (callee.type === 'Identifier') {
    const binding = index.resolve(callee);
    if (binding?.kind === 'import') return binding.importFrom === KAFKAJS && binding.importedName === 'Kafka';
    return (
      binding?.init !== undefined && isRequireOfKafkajs(binding.init) && (binding.path ?? []).join('.') === 'Kafka'
    );
  }
  if (
    callee.type === 'MemberExpression' &&
    !callee.computed &&
    callee.property.type === 'Identifier' &&
    callee.property.name === 'Kafka'
  ) {
    if (isRequireOfKafkajs(callee.object as TSESTree.Expression)) return true;
    if (callee.object.type !== 'Identifier') return false;
    const binding = index.resolve(callee.object);
    if (binding?.kind === 'import') return binding.importFrom === KAFKAJS;
    return binding?.init !== undefined && isRequireOfKafkajs(binding.init) && (binding.path?.length ?? 0) === 0;
  }
  return false;
}

function isRequireOfKafkajs(node: TSESTree.Expression): boolean {
  const target = unwrap(node);
  return (
    target.type === 'CallExpression' &&
    target.callee.type === 'Identifier' &&
    target.callee.name === 'require' &&
    target.arguments[0]?.type === 'Literal' &&
    target.arguments[0].value === KAFKAJS
  );
}

/** The `groupId` expression of a `kafka.consumer({ groupId })` call, if written there. */
export function groupIdOf(creation: TSESTree.CallExpression | undefined): TSESTree.Expression | undefined {
  const [config] = creation?.arguments ?? [];
  if (config?.type !== 'ObjectExpression') return undefined;
  for (const property of config.properties) {
    if (property.type === 'Property' && propertyKeyName(property) === 'groupId')
      return property.value as TSESTree.Expression;
  }
  return undefined;
}

/**
 * Whether the `groupId` expression means the same where the run call stands: a literal, or names bound to the same
 * declarations at both places (`this.…` in the same class).
 */
export function groupIdReachable(
  groupId: TSESTree.Expression,
  runCall: TSESTree.CallExpression,
  index: BindingIndex,
): boolean {
  let reachable = true;
  traverse(groupId, (node, parent) => {
    if (!reachable) return;
    if (node.type === 'Identifier') {
      const isPropertyName =
        (parent?.type === 'MemberExpression' && parent.property === node && !parent.computed) ||
        (parent?.type === 'Property' && parent.key === node && !parent.computed);
      if (isPropertyName) return;
      const there = index.resolve(node);
      const here = index.resolveNameAt(node.name, runCall);
      if (there === undefined || there !== here) reachable = false;
    } else if (node.type === 'ThisExpression') {
      const thisAtRun = findThis(runCall);
      if (
        thisAtRun === undefined ||
        index.thisClass(node) === undefined ||
        index.thisClass(node) !== index.thisClass(thisAtRun)
      )
        reachable = false;
    } else if (
      /Function|CallExpression|NewExpression|AssignmentExpression|UpdateExpression|AwaitExpression/.test(node.type)
    ) {
      reachable = false; // would run again, or has effects
    }
  });
  return reachable;
}

function findThis(root: TSESTree.Node): TSESTree.ThisExpression | undefined {
  let found: TSESTree.ThisExpression | undefined;
  traverse(root, (node) => {
    if (!found && node.type === 'ThisExpression') found = node;
  });
  return found;
}
