export { csvField, csvRecord } from './csv.ts';
export { ANCHORS_FILE_NAME, exportAnchors } from './export-anchors.ts';
export type { ExportAnchorsOptions } from './export-anchors.ts';
export { exportProvenance, PROVENANCE_COLUMNS, PROVENANCE_FILE_NAME } from './export-provenance.ts';
