import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readTable } from '../../src/formats/read-table.ts';
import { tempDir } from '../helpers/model-dir.ts';

const work = tempDir('mv-read-table-');
after(() => rmSync(work, { recursive: true, force: true }));

/** Writes the result of `select` to a Parquet file with DuckDB. */
async function parquet(name: string, select: string): Promise<string> {
  const { DuckDBInstance } = createRequire(import.meta.url)('@duckdb/node-api') as typeof import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const path = join(work, name);
  await connection.run(`COPY (${select}) TO '${path}' (FORMAT parquet)`);
  connection.closeSync();
  instance.closeSync();
  return path;
}

describe('a Parquet file read through DuckDB', () => {
  it('every numeric type becomes the numbers Number() gives, missing values NaN, across many chunks', async () => {
    const rows = 10_000;
    const path = await parquet(
      'numbers.parquet',
      `SELECT CASE WHEN i % 7 = 0 THEN NULL ELSE i * 0.5 END AS x, (i * 1e14)::BIGINT AS big, CASE WHEN i % 5 = 0 THEN NULL ELSE i END::INTEGER AS int,
         (i / 3)::FLOAT AS f, (i * 0.25)::DECIMAL(10, 2) AS dec, i::HUGEINT * 1000000000000 AS huge, (i % 200)::UTINYINT AS small,
         9007199254740993::BIGINT AS rounded, 'r' || i AS name, i % 2 = 0 AS even FROM range(${rows}) t(i)`,
    );
    const c = await readTable(path);
    const at = (name: string): number[] => Array.from(c[name] as Float64Array);
    const range = Array.from({ length: rows }, (_, i) => i);
    assert.deepEqual(at('x'), range.map((i) => (i % 7 === 0 ? Number.NaN : i * 0.5)));
    assert.deepEqual(at('big'), range.map((i) => i * 1e14));
    assert.deepEqual(at('int'), range.map((i) => (i % 5 === 0 ? Number.NaN : i)));
    assert.deepEqual(at('f'), range.map((i) => Math.fround(i / 3)));
    assert.deepEqual(at('dec'), range.map((i) => i * 0.25));
    assert.deepEqual(at('huge'), range.map((i) => i * 1e12));
    assert.deepEqual(at('small'), range.map((i) => i % 200));
    assert.deepEqual(at('rounded'), range.map(() => Number(9007199254740993n)));
    assert.deepEqual(c.name, range.map((i) => `r${i}`));
    assert.deepEqual(c.even, range.map((i) => i % 2 === 0));
  });

  it('a column of names that need quoting', async () => {
    const c = await readTable(await parquet('names.parquet', `SELECT 1::BIGINT AS "a ""quoted"" name", 2.5 AS "x,y"`));
    assert.deepEqual(Object.keys(c), ['a "quoted" name', 'x,y']);
    assert.deepEqual(Array.from(c['a "quoted" name'] as Float64Array), [1]);
  });

  it('a file DuckDB cannot read is invalid_input naming it', async () => {
    const path = join(work, 'broken.parquet');
    writeFileSync(path, 'PAR1 not really');
    await assert.rejects(readTable(path), (e: { code?: string; message: string }) => e.code === 'invalid_input' && e.message.startsWith(`${path}: cannot read the file`));
  });
});
