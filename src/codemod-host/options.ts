/**
 * Turns raw option values (from commander, from jscodeshift's pass-through parser, from a test)
 * into the typed `options` object a codemod's `transform` receives, by the codemod's own option list.
 */
import type { Codemod, CodemodOption } from './codemod.js';

/** `import-from` → `importFrom`: the key a codemod reads. */
export function optionKey(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

export class OptionError extends Error {}

/**
 * Reads each declared option from `raw`, under its camelCase key or its dashed flag (jscodeshift keeps
 * `--import-from=x` as `import-from`), coerces it to the declared type, and fills defaults.
 * Throws OptionError naming the flag when a value cannot be coerced.
 */
export function resolveCodemodOptions(
  declared: readonly CodemodOption[],
  raw: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const resolved: Record<string, unknown> = {};
  for (const option of declared) {
    const key = optionKey(option.flag);
    const value = key in raw ? raw[key] : raw[option.flag];
    if (value === undefined || value === null) {
      if (option.default !== undefined) resolved[key] = option.default;
      continue;
    }
    const coerced = coerce(option, Array.isArray(value) ? value.at(-1) : value);
    const complaint = option.validate?.(coerced);
    if (complaint !== undefined)
      throw new OptionError(`option --${option.flag} ${complaint}, got ${JSON.stringify(coerced)}`);
    resolved[key] = coerced;
  }
  return resolved;
}

/**
 * `raw` resolved by the codemod's own option list, as plain values and as the codemod's options type. The one place
 * the two are equated: `Options` is what the declared list yields, which the type system cannot see.
 */
export function resolveOptionsOf<Options>(
  codemod: Codemod<Options>,
  raw: Readonly<Record<string, unknown>>,
): { readonly values: Readonly<Record<string, unknown>>; readonly options: Options } {
  const values = resolveCodemodOptions(codemod.options, raw);
  return { values, options: values as Options };
}

function coerce(option: CodemodOption, value: unknown): string | number | boolean {
  switch (option.type) {
    case 'string':
      if (typeof value === 'string' && value !== '') return value;
      if (typeof value === 'number') return String(value);
      throw new OptionError(`option --${option.flag} needs a value`);
    case 'number': {
      const number =
        typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      if (Number.isFinite(number)) return number;
      throw new OptionError(`option --${option.flag} needs a number, got ${JSON.stringify(value)}`);
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === '1' || value === 1) return true;
      if (value === 'false' || value === '0' || value === 0) return false;
      throw new OptionError(`option --${option.flag} is true or false, got ${JSON.stringify(value)}`);
  }
}
