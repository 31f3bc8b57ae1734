import { extname } from 'node:path';

/** Formats of evaluation data. */
export const DATA_FORMATS = ['csv', 'tsv', 'parquet', 'jsonl', 'ndjson'] as const;
/** One of the evaluation data formats. */
export type DataFormat = (typeof DATA_FORMATS)[number];

/** The largest evaluation data file the registry reads (it holds the table in memory). */
export const MAX_DATA_BYTES = 256 * (1 << 20);

/** The data format of a file name, or undefined. */
export function dataFormatOf(path: string): DataFormat | undefined {
  const ext = extname(path).toLowerCase().slice(1);
  return (DATA_FORMATS as readonly string[]).includes(ext) ? (ext as DataFormat) : undefined;
}
