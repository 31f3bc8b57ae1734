import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname, resolve } from 'node:path';
import type { DuckDBTypeId } from '@duckdb/node-api';
import { ModelVaultError } from '../core/errors.ts';
import { parseNumericCsv } from './numeric-csv.ts';

/** One column of a table: numbers (NaN or null = missing), strings or booleans (null/'' = missing). */
export type Column = Float64Array | readonly (number | null)[] | readonly (string | null)[] | readonly (boolean | null)[];

/** A table as named columns of equal length. */
export type Columns = Record<string, Column>;

const READERS: Record<string, string> = {
  '.csv': 'read_csv_auto',
  '.tsv': 'read_csv_auto',
  '.parquet': 'read_parquet',
  '.json': 'read_json_auto',
  '.jsonl': 'read_json_auto',
  '.ndjson': 'read_json_auto',
};

/**
 * Reads a CSV, Parquet or JSON-lines file into columns (numbers → Float64Array with NaN for
 * null, booleans → boolean[], everything else → string[]). A CSV or TSV of numbers under a header is
 * read by a dedicated parser (from `bytes` when the caller already holds the file's content); every other
 * file by DuckDB. The path only ever travels to DuckDB as a bound parameter; glob characters and URLs
 * are refused because DuckDB would expand or fetch them.
 */
export async function readTable(path: string, bytes?: Uint8Array): Promise<Columns> {
  const { full, reader } = await checkedPath(path);
  if (reader === 'read_csv_auto') {
    const table = parseNumericCsv(bytes ?? (await readFile(full)), extname(full).toLowerCase() === '.tsv' ? 0x09 : 0x2c);
    if (table) return table;
  }
  return readWithDuckDB(full, reader, path);
}

/** Reads a file through DuckDB alone, whatever it holds: what `readTable` does for all but a plain numeric CSV. */
export async function readTableWithDuckDB(path: string): Promise<Columns> {
  const { full, reader } = await checkedPath(path);
  return readWithDuckDB(full, reader, path);
}

async function checkedPath(path: string): Promise<{ full: string; reader: string }> {
  if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) {
    throw new ModelVaultError('invalid_path', 'a data file path is required');
  }
  if (/[*?[\]{}]/.test(path) || /^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    throw new ModelVaultError('invalid_path', `${path}: globs and URLs are not accepted, give one local file`, { path });
  }
  const full = resolve(path);
  const reader = READERS[extname(full).toLowerCase()];
  if (!reader) {
    throw new ModelVaultError('invalid_input', `${path}: unknown data format`, { path, hint: 'use .csv, .tsv, .parquet, .json, .jsonl or .ndjson' });
  }
  const info = await stat(full).catch((err: NodeJS.ErrnoException) => {
    throw new ModelVaultError('not_found', `${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, { path }, { cause: err });
  });
  if (!info.isFile()) throw new ModelVaultError('invalid_path', `${path}: not a regular file`, { path });
  return { full, reader };
}

/** True when the first `n` bits of a mask are all set. */
function allOnes(mask: Uint8Array, n: number): boolean {
  for (let i = 0; i < n >> 3; i++) if (mask[i] !== 0xff) return false;
  for (let i = n & ~7; i < n; i++) if (!(mask[i >> 3]! & (1 << (i & 7)))) return false;
  return true;
}

async function readWithDuckDB(full: string, reader: string, path: string): Promise<Columns> {
  // Loaded here, not at start-up: the native library is large and only reading a data file needs it. Through
  // require: an import of this CommonJS package first has its hundreds of files scanned for export names.
  const load = createRequire(import.meta.url);
  const { DuckDBInstance, DuckDBTypeId, JSDuckDBValueConverter } = load('@duckdb/node-api') as typeof import('@duckdb/node-api');
  // The C API beneath it, in the version it was built with: a DOUBLE vector's memory is read in one copy.
  const bindings = createRequire(load.resolve('@duckdb/node-api'))('@duckdb/node-bindings') as typeof import('@duckdb/node-bindings');
  // Types whose every value a cast to DOUBLE gives exactly as Number() of the value would.
  const asDouble = new Set<DuckDBTypeId>([
    DuckDBTypeId.TINYINT, DuckDBTypeId.SMALLINT, DuckDBTypeId.INTEGER, DuckDBTypeId.BIGINT, DuckDBTypeId.UTINYINT,
    DuckDBTypeId.USMALLINT, DuckDBTypeId.UINTEGER, DuckDBTypeId.UBIGINT, DuckDBTypeId.FLOAT,
  ]);
  const numericTypes = new Set<DuckDBTypeId>([...asDouble, DuckDBTypeId.HUGEINT, DuckDBTypeId.UHUGEINT, DuckDBTypeId.DOUBLE, DuckDBTypeId.DECIMAL]);
  const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
  const connection = await instance.connect();
  try {
    const failed = (err: unknown): never => {
      throw new ModelVaultError('invalid_input', `${path}: cannot read the file (${err instanceof Error ? err.message : String(err)})`, { path }, { cause: err });
    };
    const query = async (sql: string): Promise<Awaited<ReturnType<import('@duckdb/node-api').DuckDBPreparedStatement['stream']>>> => {
      const statement = await connection.prepare(sql).catch(failed);
      statement.bindVarchar(1, full);
      return statement.stream().catch(failed);
    };
    // The columns first, to read the integer and float ones as DOUBLE.
    const probe = await query(`SELECT * FROM ${reader}($1) LIMIT 0`);
    const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;
    const casts = probe.columnNames().filter((_, j) => asDouble.has(probe.columnTypes()[j]!.typeId)).map((n) => `CAST(${quote(n)} AS DOUBLE) AS ${quote(n)}`);
    // Streamed: each chunk is converted while DuckDB decodes the next ones on its own threads.
    const result = await query(`SELECT * ${casts.length ? `REPLACE (${casts.join(', ')}) ` : ''}FROM ${reader}($1)`);
    const names = result.columnNames();
    const types = result.columnTypes();
    // Numbers go into a Float64Array per chunk and column: DOUBLE vectors in one copy of their memory, HUGEINT
    // and DECIMAL value by value; DuckDB's generic conversion to JavaScript values costs several times more.
    const numeric = types.map((t) => numericTypes.has(t.typeId));
    const parts: Float64Array[][] = numeric.map(() => []);
    const others: unknown[][] = numeric.map(() => []);
    let rows = 0;
    for (let chunk = await result.fetchChunk().catch(failed); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk().catch(failed)) {
      const n = chunk.rowCount;
      for (let j = 0; j < names.length; j++) {
        if (numeric[j]) {
          let out: Float64Array;
          if (types[j]!.typeId === DuckDBTypeId.DOUBLE) {
            const vector = bindings.data_chunk_get_vector(chunk.chunk, j);
            const data = bindings.vector_get_data(vector, n * 8);
            out = new Float64Array(data.buffer, data.byteOffset, n).slice();
            // One bit per row, set when the row holds a value; no mask, or a mask of ones, when every row does.
            const valid = bindings.vector_get_validity(vector, Math.ceil(n / 64) * 8) as Uint8Array | null;
            if (valid && !allOnes(valid, n)) for (let i = 0; i < n; i++) if (!(valid[i >> 3]! & (1 << (i & 7)))) out[i] = Number.NaN;
          } else {
            const vector = chunk.getColumnVector(j);
            out = new Float64Array(n);
            for (let i = 0; i < n; i++) {
              const v = vector.getItem(i);
              out[i] = typeof v === 'number' ? v : v === null || v === undefined ? Number.NaN : typeof v === 'bigint' ? Number(v) : Number(String(v));
            }
          }
          parts[j]!.push(out);
        } else others[j]!.push(...chunk.convertColumnValues(j, JSDuckDBValueConverter));
      }
      rows += n;
    }
    const numbers = parts.map((p, j) => {
      if (!numeric[j]) return undefined;
      const out = new Float64Array(rows);
      let at = 0;
      for (const part of p) {
        out.set(part, at);
        at += part.length;
      }
      return out;
    });
    const columns: Columns = Object.create(null) as Columns;
    names.forEach((name, i) => {
      const values = others[i]!;
      let column: Column;
      if (numbers[i]) column = numbers[i]!;
      else if (types[i]?.typeId === DuckDBTypeId.BOOLEAN) {
        column = values.map((v) => (v === null || v === undefined ? null : Boolean(v)));
      } else {
        column = values.map((v) => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : String(v)));
      }
      columns[name] = column;
    });
    return columns;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
