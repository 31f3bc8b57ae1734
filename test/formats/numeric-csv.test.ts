import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import type { ModelVaultError } from '../../src/core/errors.ts';
import { evaluateModel } from '../../src/evaluation/index.ts';
import { parseNumericCsv } from '../../src/formats/numeric-csv.ts';
import { readTable, readTableWithDuckDB, type Columns } from '../../src/formats/read-table.ts';
import { BINARY_METADATA, fixture } from '../helpers/evaluation.ts';
import { tempDir } from '../helpers/model-dir.ts';

const work = tempDir('mv-numeric-csv-');
after(() => rmSync(work, { recursive: true, force: true }));
let files = 0;

function write(text: string | Buffer, ext = 'csv'): string {
  const path = join(work, `t${files++}.${ext}`);
  writeFileSync(path, text);
  return path;
}

/** Columns as plain arrays, so that −0, NaN and the column's kind (numbers or not) all count in a comparison. */
function plain(c: Columns): Record<string, { numbers: boolean; values: unknown[] }> {
  return Object.fromEntries(Object.entries(c).map(([k, v]) => [k, { numbers: v instanceof Float64Array, values: Array.from(v as ArrayLike<unknown>) }]));
}

/** Reads the file with the dedicated reader, which must accept it, and checks that DuckDB reads the same table. */
async function sameAsDuckDB(path: string): Promise<Columns> {
  const fast = parseNumericCsv(readFileSync(path), path.endsWith('.tsv') ? 0x09 : 0x2c);
  assert.ok(fast, `the dedicated reader declined ${readFileSync(path, 'utf8').slice(0, 80)}`);
  assert.deepStrictEqual(plain(fast), plain(await readTableWithDuckDB(path)));
  assert.deepStrictEqual(plain(await readTable(path)), plain(fast));
  return fast;
}

describe('the numeric CSV reader gives what DuckDB gives', () => {
  it('quoted fields and quoted names', async () => {
    const c = await sameAsDuckDB(write('"a","b c",d\n"1.5",2,"-3e2"\n4,"",5\n'));
    assert.deepEqual(Object.keys(c), ['a', 'b c', 'd']);
    assert.deepEqual(Array.from(c.d as Float64Array), [-300, 5]);
    assert.ok(Number.isNaN((c['b c'] as Float64Array)[1]), 'a quoted empty cell is missing');
  });

  it('CRLF line ends, with and without a final one', async () => {
    await sameAsDuckDB(write('x,y\r\n1,2\r\n3,4\r\n'));
    const c = await sameAsDuckDB(write('x,y\r\n1,2\r\n3,4'));
    assert.deepEqual(Array.from(c.y as Float64Array), [2, 4]);
  });

  it('empty cells are missing values; a column without any value is text, as DuckDB types it', async () => {
    const c = await sameAsDuckDB(write('x,y,z\n1,,\n,2,\n3,4,\n'));
    assert.ok(Number.isNaN((c.x as Float64Array)[1]) && Number.isNaN((c.y as Float64Array)[0]));
    assert.deepEqual(c.z, [null, null, null]);
  });

  it('a header-only file is a table of no rows', async () => {
    const c = await sameAsDuckDB(write('f0,f1,label\n'));
    assert.deepEqual(Object.keys(c), ['f0', 'f1', 'label']);
    assert.equal(c.label!.length, 0);
    await assert.rejects(evaluateModel(readFileSync(fixture('binary_good.onnx')), await readTable(write('f0,f1,f2,f3,label\n')), { target: 'label', batchSize: 8, metadata: BINARY_METADATA, where: 'm' }), (e: ModelVaultError) => e.code === 'invalid_input' && /no rows/.test(e.message));
  });

  it('a wide file: 2,000 columns', async () => {
    const names = Array.from({ length: 2000 }, (_, j) => `c${j}`);
    const rows = Array.from({ length: 5 }, (_, i) => names.map((_, j) => ((i * 7919 + j * 104729) % 20001) / 100 - 100).join(','));
    const c = await sameAsDuckDB(write(`${names.join(',')}\n${rows.join('\n')}\n`));
    assert.equal(Object.keys(c).length, 2000);
    assert.equal((c.c1999 as Float64Array)[4], ((4 * 7919 + 1999 * 104729) % 20001) / 100 - 100);
  });

  it('a byte-order mark before the header', async () => {
    const c = await sameAsDuckDB(write(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('x,y\n1,2\n')])));
    assert.deepEqual(Object.keys(c), ['x', 'y']);
  });

  it('numbers in every form DuckDB reads: signs, fractions, exponents, −0 (0 in a column of integers), many digits, overflow', async () => {
    const c = await sameAsDuckDB(write('i,d,e,big\n-0,-0,1e400,12345678901234567890\n7,.5,-1E-3,0.1000000000000000055511151231257827\n-12,1.,5e+2,123456789012345678901234567890e-10\n'));
    assert.ok(Object.is((c.i as Float64Array)[0], 0) && Object.is((c.d as Float64Array)[0], -0));
    assert.equal((c.e as Float64Array)[0], Number.POSITIVE_INFINITY);
  });

  it('a tab-separated file', async () => {
    await sameAsDuckDB(write('x\ty\n1\t2.5\n', 'tsv'));
  });

  it('random tables of numbers, LF or CRLF, quoted or not, with empty cells', async () => {
    const cell = fc.oneof(
      fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
      fc.tuple(fc.integer({ min: -99_999, max: 99_999 }), fc.integer({ min: 0, max: 9 })).map(([m, k]) => (m / 10 ** k).toFixed(k)),
      fc.constant(''),
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.array(fc.array(cell, { minLength: 6, maxLength: 6 }), { minLength: 1, maxLength: 30 }), fc.boolean(), fc.boolean(), async (width, rows, crlf, quoted) => {
        const eol = crlf ? '\r\n' : '\n';
        const q = (s: string): string => (quoted ? `"${s}"` : s);
        const body = rows.map((r) => r.slice(0, width).map(q).join(',')).join(eol);
        // A one-column row with an empty cell is a blank line, which DuckDB skips: those are the fallback's.
        if (width === 1 && !quoted && rows.some((r) => r[0] === '')) return;
        await sameAsDuckDB(write(`${Array.from({ length: width }, (_, j) => `c${j}`).join(',')}${eol}${body}${eol}`));
      }),
      { numRuns: 40 },
    );
  });
});

describe('files the numeric reader declines are read by DuckDB as before', () => {
  const declined: [string, string][] = [
    ['a text column', 'name,x\nred,1\n'],
    ['numbers DuckDB types as text', 'x,y\n+1,1\n007,2\n'],
    ['hexadecimal', 'x\n0x10\n'],
    ['a blank line', 'x,y\n1,2\n\n3,4\n'],
    ['a short row', 'x,y\n1,2\n3\n'],
    ['a first line of numbers (no header)', '1,2\n3,4\n'],
    ['a duplicate name', 'x,x\n1,2\n'],
    ['an empty file', ''],
    ['spaces around a number', 'x,y\n 1,2\n'],
  ];
  for (const [what, text] of declined) {
    it(what, async () => {
      const path = write(text);
      assert.equal(parseNumericCsv(readFileSync(path), 0x2c), undefined);
      const duck = await readTableWithDuckDB(path).then(plain, (e: Error) => e.message);
      const ours = await readTable(path).then(plain, (e: Error) => e.message);
      assert.deepStrictEqual(ours, duck);
    });
  }

  it('a bad number in a feature: the evaluation names the column and the row', async () => {
    const path = write('f0,f1,f2,f3,label\n1,2,3,4,1\n1,2,3,4,0\n1,2,1.2.3,4,1\n');
    await assert.rejects(
      evaluateModel(readFileSync(fixture('binary_good.onnx')), await readTable(path), { target: 'label', batchSize: 8, metadata: BINARY_METADATA, where: 'm' }),
      (e: ModelVaultError) => e.code === 'invalid_input' && /column "f2" holds "1\.2\.3" at row 3/.test(e.message) && e.details.row === 3 && e.details.field === 'f2',
    );
  });
});
