import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname, resolve } from 'node:path';
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

// DuckDB's C API type ids (duckdb_type) of the columns that become numbers.
const DOUBLE = 11;
const BOOLEAN = 1;
/** Integers up to 64 bits and FLOAT: a cast to DOUBLE gives every value exactly as Number() of it would. */
const AS_DOUBLE = new Set([2, 3, 4, 5, 6, 7, 8, 9, 10]);
/** HUGEINT, UHUGEINT and DECIMAL: numbers, converted value by value. */
const OTHER_NUMBERS = new Set([16, 32, 19]);

type Bindings = typeof import('@duckdb/node-bindings');
type DuckDBApi = typeof import('@duckdb/node-api');

/** True when the first `n` bits of a mask are all set. */
function allOnes(mask: Uint8Array, n: number): boolean {
  for (let i = 0; i < n >> 3; i++) if (mask[i] !== 0xff) return false;
  for (let i = n & ~7; i < n; i++) if (!(mask[i >> 3]! & (1 << (i & 7)))) return false;
  return true;
}

/** A column of numbers growing chunk by chunk, its buffer doubled when full. */
class NumberColumn {
  private data = new Float64Array(1 << 14);
  length = 0;

  /** Room for `n` more values; returns where they go. */
  reserve(n: number): Float64Array {
    if (this.length + n > this.data.length) {
      const grown = new Float64Array(Math.max(this.data.length * 2, this.length + n));
      grown.set(this.data.subarray(0, this.length));
      this.data = grown;
    }
    const at = this.data.subarray(this.length, this.length + n);
    this.length += n;
    return at;
  }

  /** The values: a view when the spare room is under a quarter of the buffer, else a copy that frees it. */
  values(): Float64Array {
    return this.length * 4 >= this.data.length * 3 ? this.data.subarray(0, this.length) : this.data.slice(0, this.length);
  }
}

/** Appends column `j` of a chunk of DOUBLEs, copied in one piece from DuckDB's memory, NaN where a value is missing. */
function appendDoubles(duck: Bindings, chunk: import('@duckdb/node-bindings').DataChunk, j: number, n: number, column: NumberColumn): void {
  const vector = duck.data_chunk_get_vector(chunk, j);
  const data = duck.vector_get_data(vector, n * 8);
  const out = column.reserve(n);
  out.set(new Float64Array(data.buffer, data.byteOffset, n));
  // One bit per row, set when the row holds a value; no mask, or a mask of ones, when every row does.
  const valid = duck.vector_get_validity(vector, Math.ceil(n / 64) * 8) as Uint8Array | null;
  if (valid && !allOnes(valid, n)) for (let i = 0; i < n; i++) if (!(valid[i >> 3]! & (1 << (i & 7)))) out[i] = Number.NaN;
}

async function readWithDuckDB(full: string, reader: string, path: string): Promise<Columns> {
  // Loaded here, not at start-up: the native library is large and only reading a data file needs it. Its C API
  // alone reads numbers; the full API (some 180 files) is loaded only for text, booleans, dates and decimals.
  const load = createRequire(import.meta.url);
  const apiPath = load.resolve('@duckdb/node-api');
  const duck = createRequire(apiPath)('@duckdb/node-bindings') as Bindings;
  let api: DuckDBApi | undefined;
  const config = duck.create_config();
  duck.set_config(config, 'autoinstall_known_extensions', 'false');
  duck.set_config(config, 'autoload_known_extensions', 'false');
  const database = await duck.open(':memory:', config);
  const connection = await duck.connect(database);
  try {
    const failed = (err: unknown): never => {
      throw new ModelVaultError('invalid_input', `${path}: cannot read the file (${err instanceof Error ? err.message : String(err)})`, { path }, { cause: err });
    };
    const query = async (sql: string, streaming: boolean): Promise<import('@duckdb/node-bindings').Result> => {
      const statement = await duck.prepare(connection, sql).catch(failed);
      duck.bind_varchar(statement, 1, full);
      return (streaming ? duck.execute_prepared_streaming(statement) : duck.execute_prepared(statement)).catch(failed);
    };
    const columnsOf = (r: import('@duckdb/node-bindings').Result): { names: string[]; types: number[] } => {
      const count = duck.column_count(r);
      return { names: Array.from({ length: count }, (_, j) => duck.column_name(r, j)), types: Array.from({ length: count }, (_, j) => duck.column_type(r, j) as number) };
    };
    // The columns first, to read the integer and float ones as DOUBLE.
    const probe = columnsOf(await query(`SELECT * FROM ${reader}($1) LIMIT 0`, false));
    const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;
    const casts = probe.names.filter((_, j) => AS_DOUBLE.has(probe.types[j]!)).map((n) => `CAST(${quote(n)} AS DOUBLE) AS ${quote(n)}`);
    // Streamed: each chunk is converted while DuckDB decodes the next ones on its own threads.
    const result = await query(`SELECT * ${casts.length ? `REPLACE (${casts.join(', ')}) ` : ''}FROM ${reader}($1)`, true);
    const { names, types } = columnsOf(result);
    const numeric = types.map((t) => t === DOUBLE || OTHER_NUMBERS.has(t));
    const numbers = numeric.map((n) => (n ? new NumberColumn() : undefined));
    const others: unknown[][] = numeric.map(() => []);
    for (let chunk = await duck.fetch_chunk(result).catch(failed); chunk && duck.data_chunk_get_size(chunk) > 0; chunk = await duck.fetch_chunk(result).catch(failed)) {
      const n = duck.data_chunk_get_size(chunk);
      let wrapped: import('@duckdb/node-api').DuckDBDataChunk | undefined;
      for (let j = 0; j < names.length; j++) {
        if (types[j] === DOUBLE) {
          appendDoubles(duck, chunk, j, n, numbers[j]!);
          continue;
        }
        api ??= load(apiPath) as DuckDBApi;
        wrapped ??= new api.DuckDBDataChunk(chunk);
        if (numeric[j]) {
          const vector = wrapped.getColumnVector(j);
          const out = numbers[j]!.reserve(n);
          for (let i = 0; i < n; i++) {
            const v = vector.getItem(i);
            out[i] = v === null || v === undefined ? Number.NaN : typeof v === 'bigint' ? Number(v) : Number(String(v));
          }
        } else others[j]!.push(...wrapped.convertColumnValues(j, api.JSDuckDBValueConverter));
      }
    }
    const columns: Columns = Object.create(null) as Columns;
    names.forEach((name, i) => {
      const values = others[i]!;
      let column: Column;
      if (numbers[i]) column = numbers[i]!.values();
      else if (types[i] === BOOLEAN) {
        column = values.map((v) => (v === null || v === undefined ? null : Boolean(v)));
      } else {
        column = values.map((v) => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : String(v)));
      }
      columns[name] = column;
    });
    return columns;
  } finally {
    duck.disconnect_sync(connection);
    duck.close_sync(database);
  }
}
