// The live database after a full migrate must match the hand-written expected catalog exactly: every table,
// column (type, nullability, default), index (with uniqueness and predicate), foreign key (with ON DELETE) and
// CHECK list — and nothing more.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtInMigrationGroup, migrationGroupNames } from "../../src/migrate/groups.js";
import { migrate } from "../../src/migrate/runner.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";
import type { ExpectedIndex } from "./catalog-types.js";
import { expectedCatalog } from "./expected-catalog.js";

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
  await migrate(t.db, migrationGroupNames.map(builtInMigrationGroup));
});
afterAll(() => t?.drop());

const tables = Object.keys(expectedCatalog).sort();

/** Canonical text of an index for comparison: uniqueness, columns, predicate without parens, casts or quotes. */
function canonicalIndex(index: Pick<ExpectedIndex, "columns" | "unique" | "where">): string {
  const where = (index.where ?? "")
    .replace(/::[a-z ]+/gi, "")
    .replace(/[()"]/g, "")
    .replace(/\s+/g, " ")
    .trim()
    .toLowerCase();
  const columns = index.columns.map((c) => c.replace(/"/g, "").replace(/\s+NULLS (FIRST|LAST)$/i, "").trim()).join(", ");
  return `${index.unique ? "UNIQUE " : ""}(${columns})${where ? ` WHERE ${where}` : ""}`;
}

function parseIndexDef(def: string): Pick<ExpectedIndex, "columns" | "unique" | "where"> {
  const match = /^CREATE (UNIQUE )?INDEX \S+ ON \S+ USING btree \((.*?)\)(?: WHERE (.*))?$/.exec(def);
  if (!match) throw new Error(`Unexpected index definition: ${def}`);
  const where = match[3];
  return {
    unique: Boolean(match[1]),
    columns: (match[2] as string).split(",").map((c) => c.trim()),
    ...(where ? { where } : {}),
  };
}

describe("schema catalog after migrating every group", () => {
  it("has exactly the expected tables (plus the migrator's bookkeeping table)", async () => {
    const rows = await t.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 'authsome\\_%' ORDER BY table_name`,
    );
    expect(rows.map((r) => r.table_name)).toEqual([...tables, "authsome_migrations"].sort());
  });

  it.each(tables)("%s has the expected columns, types, nullability and defaults", async (table) => {
    const rows = await t.query<{ column_name: string; data_type: string; is_nullable: string; column_default: string | null }>(
      `SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name = $1`,
      [table],
    );
    const actual = Object.fromEntries(
      rows.map((r) => [r.column_name, { type: r.data_type, nullable: r.is_nullable === "YES", default: r.column_default }]),
    );
    const expected = Object.fromEntries(
      Object.entries(expectedCatalog[table]!.columns).map(([name, c]) => [name, { type: c.type, nullable: c.nullable, default: c.default ?? null }]),
    );
    expect(actual).toEqual(expected);
  });

  it.each(tables)("%s has the expected primary key", async (table) => {
    const rows = await t.query<{ column_name: string }>(
      `SELECT a.attname AS column_name
       FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
       WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`,
      [table],
    );
    expect(rows.map((r) => r.column_name)).toEqual(expectedCatalog[table]!.primaryKey);
  });

  it.each(tables)("%s has the expected indexes", async (table) => {
    const rows = await t.query<{ indexname: string; indexdef: string }>(
      `SELECT i.indexname, i.indexdef FROM pg_indexes i
       WHERE i.schemaname = 'public' AND i.tablename = $1
         AND i.indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'p')`,
      [table],
    );
    const actual = rows.map((r) => canonicalIndex(parseIndexDef(r.indexdef))).sort();
    const expected = expectedCatalog[table]!.indexes.map(canonicalIndex).sort();
    expect(actual).toEqual(expected);
    // Named indexes are contracts: the store maps their names to conflict codes.
    for (const index of expectedCatalog[table]!.indexes.filter((i) => i.name)) {
      const row = rows.find((r) => r.indexname === index.name);
      expect(row, `index ${index.name}`).toBeDefined();
      expect(canonicalIndex(parseIndexDef(row!.indexdef))).toBe(canonicalIndex(index));
    }
  });

  it.each(tables)("%s has the expected foreign keys and ON DELETE actions", async (table) => {
    const rows = await t.query<{ columns: string[]; ref_table: string; ref_columns: string[]; on_delete: string }>(
      `SELECT
         ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, o)
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o) AS columns,
         c.confrelid::regclass::text AS ref_table,
         ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, o)
               JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o) AS ref_columns,
         CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' WHEN 'a' THEN 'NO ACTION'
                            WHEN 'r' THEN 'RESTRICT' WHEN 'd' THEN 'SET DEFAULT' END AS on_delete
       FROM pg_constraint c WHERE c.conrelid = $1::regclass AND c.contype = 'f'`,
      [table],
    );
    const describeFk = (fk: { columns: string[]; table: string; refColumns: string[]; onDelete: string }) =>
      `(${fk.columns.join(", ")}) -> ${fk.table}(${fk.refColumns.join(", ")}) ON DELETE ${fk.onDelete}`;
    const actual = rows
      .map((r) => describeFk({ columns: r.columns, table: r.ref_table.replace(/^public\./, ""), refColumns: r.ref_columns, onDelete: r.on_delete }))
      .sort();
    const expected = expectedCatalog[table]!.foreignKeys
      .map((fk) => describeFk({ columns: fk.columns, table: fk.references.table, refColumns: fk.references.columns, onDelete: fk.onDelete }))
      .sort();
    expect(actual).toEqual(expected);
  });

  it.each(tables)("%s has the expected CHECK constraints", async (table) => {
    const rows = await t.query<{ def: string }>(
      `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'c'`,
      [table],
    );
    // PostgreSQL prints `IN (...)` as `(col = ANY (ARRAY['a'::text, 'b'::text]))`.
    const actual = Object.fromEntries(
      rows.map(({ def }) => {
        const column = /\(+"?(\w+)"?\s*=/.exec(def)?.[1] ?? def;
        const values = [...def.matchAll(/'([^']*)'/g)].map((m) => m[1]);
        return [column, values.sort()];
      }),
    );
    const expected = Object.fromEntries(
      Object.entries(expectedCatalog[table]!.checks ?? {}).map(([column, values]) => [column, [...values].sort()]),
    );
    expect(actual).toEqual(expected);
  });

  it("keeps every constraint and index name within PostgreSQL's 63-byte limit (no silent truncation)", async () => {
    const rows = await t.query<{ name: string }>(
      `SELECT conname AS name FROM pg_constraint WHERE conrelid::regclass::text LIKE 'authsome\\_%'
       UNION ALL SELECT indexname FROM pg_indexes WHERE tablename LIKE 'authsome\\_%'`,
    );
    expect(rows.length).toBeGreaterThan(100);
    for (const { name } of rows) expect(name.length, name).toBeLessThan(63);
  });
});
