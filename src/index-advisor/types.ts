/**
 * The data that flows through the index advisor: collect (catalog and workload) → parse (columns a statement
 * filters and sorts on) → judge (planner costs) → write (migration) / apply.
 */

/** A schema-qualified table, as the catalog names it. */
export interface TableName {
  readonly schema: string;
  readonly name: string;
}

/** One normalized statement from pg_stat_statements (`$1`, `$2` … stand for its constants). */
export interface WorkloadStatement {
  readonly queryId: string;
  readonly query: string;
  readonly calls: number;
  readonly totalMs: number;
  readonly meanMs: number;
}

export interface TableInfo {
  readonly table: TableName;
  readonly columns: readonly string[];
  readonly seqScan: number;
  /** pg_stat_user_tables.idx_scan is NULL for a table without any index; kept as null, not 0. */
  readonly idxScan: number | null;
  readonly liveRows: number;
  readonly pages: number;
  readonly estimatedRows: number;
  /** Whether the advisor's role may SELECT from it: without, the planner cannot plan statements that read it. */
  readonly readable: boolean;
}

export interface ExistingIndex {
  readonly name: string;
  readonly table: TableName;
  readonly method: string;
  readonly valid: boolean;
  readonly unique: boolean;
  /** Key columns (or expressions) in index order, as pg_get_indexdef prints them. */
  readonly columns: readonly string[];
  readonly descending: readonly boolean[];
  /** The partial-index predicate as pg_get_expr prints it, or null. */
  readonly predicate: string | null;
}

/** Per-column statistics from pg_stats, for the estimate used when HypoPG is absent. */
export interface ColumnStats {
  /** Distinct values: pg_stats.n_distinct resolved to an absolute count. */
  readonly distinct: number;
  readonly nullFraction: number;
}

export interface Catalog {
  readonly serverVersion: number;
  readonly database: string;
  /** The role the advisor runs as (current_user), named in permission messages. */
  readonly role: string;
  readonly searchPath: readonly string[];
  readonly tables: readonly TableInfo[];
  readonly indexes: readonly ExistingIndex[];
  /** Key: `schema.table.column`. */
  readonly columnStats: ReadonlyMap<string, ColumnStats>;
  readonly hypopg: HypopgState;
}

export type HypopgState = 'created' | 'available' | 'absent';

/** A column the index would hold, with its sort direction. */
export interface IndexColumn {
  readonly name: string;
  readonly descending: boolean;
}

/** A constant predicate on a column (the only kind that survives normalization), for a partial index. */
export interface NullCondition {
  readonly column: string;
  readonly isNull: boolean;
}

/** What one statement asks of one table. */
export interface TableAccess {
  readonly table: TableName;
  readonly equality: readonly string[];
  readonly range: readonly string[];
  readonly orderBy: readonly IndexColumn[];
  readonly conditions: readonly NullCondition[];
}

export type ParsedStatement =
  | { readonly kind: 'parsed'; readonly statement: WorkloadStatement; readonly parameters: number; readonly accesses: readonly TableAccess[] }
  | { readonly kind: 'skipped'; readonly statement: WorkloadStatement; readonly reason: string };

export interface Candidate {
  readonly table: TableName;
  readonly columns: readonly IndexColumn[];
  /** How many leading columns are compared by equality: their sort direction does not matter. */
  readonly equalityColumns: number;
  readonly conditions: readonly NullCondition[];
  /** queryIds of the statements this index is meant for. */
  readonly statementIds: readonly string[];
}

export type JudgeMethod = 'hypopg' | 'estimate';

export interface StatementCost {
  readonly queryId: string;
  readonly before: number;
  readonly after: number;
}

export interface Proposal {
  readonly candidate: Candidate;
  readonly name: string;
  readonly definition: string;
  /** Statements whose planner cost falls by at least the minimum saving with this index. */
  readonly served: readonly StatementCost[];
  readonly calls: number;
  /** The table's scans so far (pg_stat_user_tables); idxScan null: the table has no index at all. */
  readonly tableScans: { readonly seqScan: number; readonly idxScan: number | null };
  /** An INVALID index of this name and definition is left from an earlier build: dropped before building again. */
  readonly replacesInvalid?: boolean;
}

/** A candidate considered and not proposed, with the reason (never dropped silently). */
export interface Rejection {
  readonly candidate: Candidate;
  readonly reason: string;
}

export interface Advice {
  readonly method: JudgeMethod;
  readonly methodNote: string;
  readonly statementsRead: number;
  readonly skipped: readonly { readonly queryId: string; readonly query: string; readonly reason: string }[];
  readonly proposals: readonly Proposal[];
  readonly rejections: readonly Rejection[];
  /** Tables the workload reads that the advisor could not analyse, with why and what to do. */
  readonly unanalysedTables: readonly { readonly table: TableName; readonly reason: string }[];
  /** Statements planned, i.e. actually analysed (read minus skipped). */
  readonly statementsAnalysed: number;
  /** INVALID indexes found on the tables read (leftovers of failed concurrent builds), and what the advisor does with each. */
  readonly invalidIndexes: readonly { readonly name: string; readonly table: TableName; readonly action: string }[];
}
