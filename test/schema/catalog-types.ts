/** Shapes of the hand-written expected catalog the schema tests compare the live database against. */

export type MigrationGroupName = "core" | "password" | "mfa" | "passkey" | "social";

export interface ExpectedColumn {
  /** `information_schema.columns.data_type`: "text", "boolean", "integer", "bigint", "jsonb", "bytea",
   *  "timestamp with time zone". */
  type: string;
  nullable: boolean;
  /** `information_schema.columns.column_default` as PostgreSQL prints it ("now()", "false", "0", "''::text",
   *  "'member'::text", "'{}'::jsonb", "'[]'::jsonb"); omitted or null = no default. */
  default?: string | null;
}

export interface ExpectedIndex {
  /** Required for unique indexes whose name the store maps to a conflict code; otherwise optional. */
  name?: string;
  /** Column names in order; a descending column is written "last_seen_at DESC". */
  columns: string[];
  unique: boolean;
  /** Partial-index predicate, e.g. "deleted_at IS NULL" or "deleted_at IS NULL AND username <> ''".
   *  Compared after removing parentheses, casts like ::text and whitespace differences. */
  where?: string;
}

export interface ExpectedForeignKey {
  columns: string[];
  references: { table: string; columns: string[] };
  onDelete: "CASCADE" | "SET NULL" | "NO ACTION" | "RESTRICT";
}

export interface ExpectedTable {
  group: MigrationGroupName;
  primaryKey: string[];
  columns: Record<string, ExpectedColumn>;
  /** Every index except the primary key's. Unique constraints count as unique indexes. */
  indexes: ExpectedIndex[];
  foreignKeys: ExpectedForeignKey[];
  /** Allowed values of CHECK-constrained columns, e.g. { type: ["development", "staging", "production"] }. */
  checks?: Record<string, string[]>;
}

export type ExpectedCatalog = Record<string, ExpectedTable>;
