/** A handler's name across files: the module that exports it and the export's name (see handler-identity.ts). */
import { resolve } from 'node:path';

export interface HandlerIdentity {
  /** The module that exports the handler, absolute. */
  readonly file: string;
  readonly exportName: string;
}

/** The identity as a codemod site carries it (`CodemodSite.identity`): one string, the same from every file. */
export function identityKey(identity: HandlerIdentity): string {
  return `${identity.file}#${identity.exportName}`;
}

/** The identity of an export declared in the file being scanned. */
export function ownExport(filePath: string, exportName: string): HandlerIdentity {
  return { file: resolve(filePath), exportName };
}
