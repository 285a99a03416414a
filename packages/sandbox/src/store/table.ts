// Typed access to one table: inserts, reads by equality, counts and updates, with every column name checked against
// the schema and every value encoded for SQLite, each statement prepared once per shape of call.
import type Database from 'better-sqlite3';
import { type ColumnShape, type Columns, type NewRowOf, quote, type RowOf, type TableShape } from './columns.js';

export interface ListOptions<R> {
  orderBy?: keyof R & string;
  descending?: boolean;
  limit?: number;
}

/** A value as SQLite takes it. */
export type SqlValue = string | number | null;

/**
 * Typed access to one table. `where` objects match every given column by equality (`null` matches NULL);
 * keys set to `undefined` are ignored, unknown keys throw, so a typo can neither widen a query nor reach SQL.
 */
export class Table<C extends Columns> {
  readonly name: string;
  private readonly quotedName: string;
  /** JSON columns read with the row, parsed at every read. */
  private readonly jsonColumns: string[];
  /** JSON columns read only when their version changed (`ColumnShape.versionColumn`), with what was parsed so far. */
  private readonly sharedColumns: SharedColumn[];
  /** What a read selects: every column but the shared ones. */
  private readonly selected: string;
  /**
   * Statements by the shape of a call (which columns, which of them NULL, order, limit): the SQL text is built and
   * looked up once per shape, not on every call.
   */
  private readonly shapes = new Map<string, Database.Statement<SqlValue[], unknown>>();
  /** The columns and statement of the last insert. */
  private lastInsert: { names: readonly string[]; statement: Database.Statement<SqlValue[], unknown> } | undefined;

  /** `C` is not checked against `definition` here; `createTables` pairs each table with its own schema entry. */
  constructor(
    private readonly definition: TableShape,
    private readonly prepare: (sql: string) => Database.Statement<SqlValue[], unknown>,
  ) {
    this.name = definition.name;
    this.quotedName = quote(definition.name);
    const columns = Object.entries(definition.columns);
    this.jsonColumns = columns
      .filter(([, column]) => column.json && column.versionColumn === undefined)
      .map(([name]) => name);
    const keyTest = definition.primaryKey.map((key) => `${quote(key)} = ?`).join(' AND ');
    this.sharedColumns = columns.flatMap(([name, column]) => {
      const version = column.versionColumn;
      if (version === undefined) return [];
      const sql = `SELECT ${quote(name)} AS value, ${quote(version)} AS version FROM ${this.quotedName} WHERE ${keyTest}`;
      return [{ name, version, read: () => this.prepare(sql), values: new Map<string, unknown>() }];
    });
    this.selected =
      this.sharedColumns.length === 0
        ? '*'
        : columns
            .filter(([, column]) => column.versionColumn === undefined)
            .map(([name]) => quote(name))
            .join(', ');
  }

  /** Throws a SqliteError (see `isUniqueViolation`) when a primary key or unique constraint is taken. */
  insert(row: NewRowOf<C>): void {
    const { names, values } = this.encoded(row);
    let statement = this.lastInsert?.statement;
    // A table is mostly inserted into by one handler, always with the same columns: that shape is kept at hand.
    if (statement === undefined || !sameNames(names, this.lastInsert?.names)) {
      statement = this.shaped(`insert ${names.join(',')}`, () => {
        const marks = names.map(() => '?').join(', ');
        return `INSERT INTO ${this.quotedName} (${names.map(quote).join(', ')}) VALUES (${marks})`;
      });
      this.lastInsert = { names, statement };
    }
    statement.run(...values);
  }

  get(where: Partial<RowOf<C>>): RowOf<C> | undefined {
    const test = this.whereTest(where);
    const statement = this.shaped(
      `get ${test.key}`,
      () => `SELECT ${this.selected} FROM ${this.quotedName}${test.clause()} LIMIT 1`,
    );
    const raw = statement.get(...test.params);
    return raw === undefined ? undefined : this.decode(raw);
  }

  /** True when a row matches: for checks that need no column of it (nothing is read but the key). */
  exists(where: Partial<RowOf<C>>): boolean {
    const test = this.whereTest(where);
    const statement = this.shaped(
      `exists ${test.key}`,
      () => `SELECT 1 FROM ${this.quotedName}${test.clause()} LIMIT 1`,
    );
    return statement.get(...test.params) !== undefined;
  }

  list(where: Partial<RowOf<C>> = {}, options: ListOptions<RowOf<C>> = {}): RowOf<C>[] {
    const test = this.whereTest(where);
    const { orderBy, descending, limit } = options;
    if (orderBy !== undefined) this.assertColumn(orderBy);
    if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) {
      throw new RangeError('limit must be a whole number');
    }
    const key = `select ${test.key} ${orderBy ?? ''} ${descending ? 'desc' : ''} ${limit ?? ''}`;
    const statement = this.shaped(key, () => {
      let sql = `SELECT ${this.selected} FROM ${this.quotedName}${test.clause()}`;
      if (orderBy !== undefined) sql += ` ORDER BY ${quote(orderBy)}${descending ? ' DESC' : ''}`;
      if (limit !== undefined) sql += ` LIMIT ${limit}`;
      return sql;
    });
    return statement.all(...test.params).map((raw) => this.decode(raw));
  }

  count(where: Partial<RowOf<C>> = {}): number {
    const test = this.whereTest(where);
    const statement = this.shaped(
      `count ${test.key}`,
      () => `SELECT COUNT(*) AS n FROM ${this.quotedName}${test.clause()}`,
    );
    return (statement.get(...test.params) as { n: number }).n;
  }

  /** Returns the number of rows changed. An empty `where` is refused: updating a whole table is never meant. */
  update(where: Partial<RowOf<C>>, changes: Partial<RowOf<C>>): number {
    const test = this.whereTest(where);
    if (test.key === '') throw new Error(`refusing to update every row of ${this.name}`);
    const sets = this.encoded(changes);
    if (sets.names.length === 0) return 0;
    const statement = this.shaped(`update ${sets.names.join(',')} ${test.key}`, () => {
      const assignments = sets.names.map((name) => `${quote(name)} = ?`).join(', ');
      return `UPDATE ${this.quotedName} SET ${assignments}${test.clause()}`;
    });
    return statement.run(...sets.values, ...test.params).changes;
  }

  private shaped(key: string, sql: () => string): Database.Statement<SqlValue[], unknown> {
    let statement = this.shapes.get(key);
    if (statement === undefined) {
      statement = this.prepare(sql());
      this.shapes.set(key, statement);
    }
    return statement;
  }

  /** A `where` object as a shape key (`=` or `null` per column), its WHERE clause (built on demand) and parameters. */
  private whereTest(where: Partial<RowOf<C>>): WhereTest {
    const { names, values } = this.encoded(where);
    const params: SqlValue[] = [];
    let key = '';
    for (let i = 0; i < names.length; i++) {
      const value = values[i] ?? null;
      key += `${names[i]}${value === null ? ' null,' : ' =,'}`;
      if (value !== null) params.push(value);
    }
    // A class, not a closure per call: this runs on every read.
    return new WhereTest(key, names, values, params);
  }

  /** Defined keys of a row-like object, checked against the schema, and their values encoded for SQLite. */
  private encoded(row: object): { names: string[]; values: SqlValue[] } {
    const names: string[] = [];
    const values: SqlValue[] = [];
    const fields = row as Record<string, unknown>;
    for (const name of Object.keys(fields)) {
      const value = fields[name];
      if (value === undefined) continue;
      names.push(name);
      values.push(encode(this.assertColumn(name), this.name, name, value));
    }
    return { names, values };
  }

  private assertColumn(name: string): ColumnShape {
    const definition = Object.hasOwn(this.definition.columns, name) ? this.definition.columns[name] : undefined;
    if (definition === undefined) throw new Error(`${this.name} has no column ${name}`);
    return definition;
  }

  private decode(raw: unknown): RowOf<C> {
    const row = raw as Record<string, unknown>;
    for (const name of this.jsonColumns) {
      const value = row[name];
      if (typeof value === 'string') row[name] = JSON.parse(value);
    }
    for (const column of this.sharedColumns) row[column.name] = this.sharedValue(column, row);
    return row as RowOf<C>;
  }

  /**
   * The parsed value of a shared column of `row`: the one parsed before for the row's current version, or read and
   * parsed now (with the version read alongside, so that a value is never kept under a version it does not have).
   */
  private sharedValue(column: SharedColumn, row: Record<string, unknown>): unknown {
    const key = this.definition.primaryKey.map((name) => String(row[name])).join('\u0000');
    const known = column.values.get(`${key}\u0000${String(row[column.version])}`);
    if (known !== undefined) return known;
    const keyValues = this.definition.primaryKey.map((name) => row[name] as SqlValue);
    const read = column.read().get(...keyValues) as { value: string | null; version: number } | undefined;
    // Deleted by another connection between the two reads: a bug to see, not a value to make up.
    if (read === undefined) throw new Error(`a row of ${this.name} was deleted while being read`);
    if (read.value === null) return null;
    // Rows whose column keeps changing would otherwise pile up; values are cheap to read again.
    if (column.values.size >= maxSharedValues) column.values.clear();
    const value = deepFreeze(JSON.parse(read.value));
    column.values.set(`${key}\u0000${String(read.version)}`, value);
    return value;
  }
}

function sameNames(names: readonly string[], other: readonly string[] | undefined): boolean {
  if (other === undefined || other.length !== names.length) return false;
  for (let i = 0; i < names.length; i++) if (names[i] !== other[i]) return false;
  return true;
}

/** The test of a `where` object: its shape key, parameters, and the WHERE clause for preparing a new shape. */
class WhereTest {
  constructor(
    readonly key: string,
    private readonly names: readonly string[],
    private readonly values: readonly SqlValue[],
    readonly params: SqlValue[],
  ) {}

  clause(): string {
    if (this.names.length === 0) return '';
    const tests = this.names.map(
      (name, i) => `${quote(name)} ${(this.values[i] ?? null) === null ? 'IS NULL' : '= ?'}`,
    );
    return ` WHERE ${tests.join(' AND ')}`;
  }
}

/** A shared JSON column: its name, its version column, the statement reading both, and the values parsed so far. */
interface SharedColumn {
  name: string;
  version: string;
  read: () => Database.Statement<SqlValue[], unknown>;
  /** Parsed values by primary key and version. */
  values: Map<string, unknown>;
}

/** How many row versions a shared column keeps parsed (merchants number in the tens). */
const maxSharedValues = 10_000;

/** Frozen all the way down: a shared value handed to every reader must not be changed by any of them. */
function deepFreeze(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Errors name the column, never the value: values include keys and secrets. */
function encode(definition: ColumnShape, table: string, column: string, value: unknown): SqlValue {
  if (value === null) {
    if (!definition.nullable) throw new TypeError(`${table}.${column} cannot be null`);
    return null;
  }
  if (definition.json) return JSON.stringify(value);
  if (definition.sqlType === 'INTEGER') {
    // Fen and unix seconds are whole numbers; a fraction here is a bug upstream, not something to round away.
    if (typeof value !== 'number' || !Number.isSafeInteger(value))
      throw new TypeError(`${table}.${column} must be an integer`);
    return value;
  }
  if (typeof value !== 'string') throw new TypeError(`${table}.${column} must be a string`);
  return value;
}
