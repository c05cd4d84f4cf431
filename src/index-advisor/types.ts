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
  /** Rows inserted, and updated other than HOT, since the statistics were reset: each writes every index entry. */
  readonly rowsWritten?: number;
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
  /** Scans since the statistics were reset (pg_stat_user_indexes.idx_scan). */
  /** Operator class of each key column (`int8_ops`, `jsonb_path_ops` …). */
  readonly opclasses?: readonly string[];
  readonly scans?: number;
  readonly bytes?: number;
  /** Backs a primary key, unique or exclusion constraint: never reported as unused. */
  readonly constraint?: boolean;
}

/** Per-column statistics from pg_stats: the estimate's selectivities and the sampled parameter values. */
export interface ColumnStats {
  /** Distinct values: pg_stats.n_distinct resolved to an absolute count. */
  readonly distinct: number;
  readonly nullFraction: number;
  /** Most common values as text, most frequent first, with their frequencies. */
  readonly commonValues: readonly string[];
  readonly commonFrequencies: readonly number[];
  /** Histogram bounds as text (equal-count buckets of the values that are not most common). */
  readonly histogram: readonly string[];
  /** Average width of a value in bytes (pg_stats.avg_width). */
  readonly width: number;
  /** How closely the column's order follows the rows' physical order, -1 to 1 (pg_stats.correlation). */
  readonly correlation?: number;
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
  /**
   * Seconds the workload's statistics cover (since pg_stat_statements was reset) and the table write counters cover
   * (since the database's statistics were reset, else the server started): writes are scaled to the reads' period.
   */
  readonly periods: { readonly readSeconds: number; readonly writeSeconds: number };
  /** pg_trgm: the schema it was created in, or whether the server has it to create. */
  readonly trigram: { readonly state: HypopgState; readonly schema?: string };
}

export type HypopgState = 'created' | 'available' | 'absent';

/** A column the index would hold, with its sort direction and, past btree's default, its operator class. */
export interface IndexColumn {
  readonly name: string;
  readonly descending: boolean;
  readonly opclass?: OperatorClass;
  /** The schema pg_trgm was created in, for gin_trgm_ops (written qualified: the deploy role's search_path is unknown). */
  readonly opclassSchema?: string;
}

/** The operator classes the advisor proposes beyond a plain btree, each for one kind of filter. */
export type OperatorClass = 'jsonb_path_ops' | 'text_pattern_ops' | 'gin_trgm_ops';

/** A filter no plain btree serves: jsonb containment, a LIKE pattern, an ILIKE pattern. */
export interface PatternFilter {
  readonly column: string;
  readonly kind: 'contains' | 'like' | 'ilike';
}

/** What a statement's `$n` is compared with, so realistic values can be sampled for it. */
export interface ParameterUse {
  readonly table: TableName;
  readonly column: string;
  readonly role: 'equality' | 'lower' | 'upper' | 'contains' | 'like' | 'ilike';
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
  /** Columns compared with another table's column: the inner side of a join looks rows up by them. */
  readonly join: readonly string[];
  readonly patterns: readonly PatternFilter[];
  readonly range: readonly string[];
  readonly orderBy: readonly IndexColumn[];
  readonly conditions: readonly NullCondition[];
}

export type ParsedStatement =
  | {
      readonly kind: 'parsed';
      readonly statement: WorkloadStatement;
      readonly parameters: number;
      readonly accesses: readonly TableAccess[];
      /** By parameter number: the column it is compared with; `limit` for LIMIT $n. */
      readonly parameterUses: ReadonlyMap<number, ParameterUse | 'limit'>;
    }
  | { readonly kind: 'skipped'; readonly statement: WorkloadStatement; readonly reason: string };

export interface Candidate {
  readonly table: TableName;
  /** Absent: a btree. GIN for jsonb containment and trigram patterns. */
  readonly method?: 'gin';
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
  /** What it costs to keep: its estimated size and the index entries the table's writes add to it. */
  readonly upkeep?: Upkeep;
  /** GIN indexes are costed by the advisor from the planner's row estimates: HypoPG cannot simulate them. */
  readonly estimated?: boolean;
}

export interface Upkeep {
  /** Estimated size of the built index. */
  readonly bytes: number;
  /** Rows written to the table (inserts and non-HOT updates) over the period the workload statistics cover. */
  readonly rowsWritten: number;
  /** Bytes those writes add to this index (rows written × entry width). */
  readonly bytesWritten: number;
  /** The same writes as estimated time spent maintaining this index, against the read time it saves. */
  readonly writeMs: number;
  readonly readMsSaved: number;
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
  /** Existing indexes a proposed one makes redundant (its columns lead the proposal's): candidates for dropping. */
  readonly redundantIndexes?: readonly {
    readonly name: string;
    readonly table: TableName;
    readonly bytes: number;
    readonly reason: string;
  }[];
  /** Existing indexes never scanned since the statistics were reset (constraint indexes left out). */
  readonly unusedIndexes?: readonly { readonly name: string; readonly table: TableName; readonly bytes: number }[];
  /** Things the advisor could not do and how to enable them (e.g. pg_trgm not created). */
  readonly notes?: readonly string[];
}
