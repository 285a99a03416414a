// How the store describes its tables: columns and tables as data (so SQL and the TypeScript row types come from one
// place), the row types the compiler derives from them, and SQL identifier quoting.

/** What SQL needs to know about a column. */
export interface ColumnShape {
  readonly sqlType: 'TEXT' | 'INTEGER';
  readonly nullable: boolean;
  /** Stored as JSON text, handed out parsed. */
  readonly json: boolean;
  /**
   * Set on a JSON column read on every request (a merchant's config): the integer column of the same table that
   * triggers set to a fresh random number whenever this one is written (schema.ts, `versionTriggersSql`). Reads
   * then fetch only that number; the text is read and parsed once per row and number, and that one parsed value,
   * deeply frozen, is handed to every read until the number changes.
   */
  readonly versionColumn: string | undefined;
  readonly defaultSql: string | undefined;
}
/** A column; `T` (its value in a row) and `Optional` (may an insert omit it) exist only for the compiler. */
export interface Column<T, Optional extends boolean> extends ColumnShape {
  readonly valueType?: T;
  readonly optional?: Optional;
}
export type Columns = Record<string, Column<unknown, boolean>>;

/** What SQL needs to know about a table. */
export interface TableShape {
  readonly name: string;
  readonly columns: Readonly<Record<string, ColumnShape>>;
  readonly primaryKey: readonly string[];
  readonly unique?: readonly (readonly string[])[];
  /** Column lists in SQL, optionally followed by `WHERE ...` for a partial index. */
  readonly indexes?: readonly string[];
}
/** A table whose keys are checked against its own columns. */
export interface TableDefinition<C extends Columns> extends TableShape {
  readonly columns: C;
  readonly primaryKey: readonly (keyof C & string)[];
  readonly unique?: readonly (readonly (keyof C & string)[])[];
}

export const text = <T extends string = string>(): Column<T, false> => shape('TEXT', false);
export const integer = <T extends number = number>(): Column<T, false> => shape('INTEGER', false);
export const json = <T>(): Column<T, false> => shape('TEXT', true);
/**
 * `json`, read once per change and shared between reads (see `ColumnShape.versionColumn`): for values no reader
 * changes, read far more often than written.
 */
export const sharedJson = <T>(versionColumn: string): Column<T, false> => ({ ...shape('TEXT', true), versionColumn });

function shape(sqlType: ColumnShape['sqlType'], json: boolean): ColumnShape {
  return { sqlType, nullable: false, json, versionColumn: undefined, defaultSql: undefined };
}

/** NULL allowed; an insert may leave it out. */
export function nullable<T>(base: Column<T, boolean>): Column<T | null, true> {
  const { sqlType, json, versionColumn, defaultSql } = base;
  return { sqlType, nullable: true, json, versionColumn, defaultSql };
}

/** An insert may leave it out and gets `value`. */
export function withDefault<T>(base: Column<T, boolean>, value: T): Column<T, true> {
  const { sqlType, nullable, json, versionColumn } = base;
  const stored = json ? JSON.stringify(value) : value;
  const defaultSql = typeof stored === 'number' ? String(stored) : `'${String(stored).replaceAll("'", "''")}'`;
  return { sqlType, nullable, json, versionColumn, defaultSql };
}

export function defineTable<C extends Columns>(definition: TableDefinition<C>): TableDefinition<C> {
  return definition;
}

type ValueOf<C> = C extends Column<infer T, boolean> ? T : never;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
export type RowOf<C extends Columns> = Simplify<{ -readonly [K in keyof C]: ValueOf<C[K]> }>;
type OptionalKeys<C extends Columns> = { [K in keyof C]: C[K] extends Column<unknown, true> ? K : never }[keyof C];
export type NewRowOf<C extends Columns> = Simplify<
  { [K in Exclude<keyof C, OptionalKeys<C>>]: ValueOf<C[K]> } & { [K in OptionalKeys<C>]?: ValueOf<C[K]> }
>;

/** An SQL identifier (table, column, index), quoted. */
export function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}
