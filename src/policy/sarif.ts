import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageVersion } from '../package-root.ts';
import { RULES } from './rules.ts';
import type { Problem, ValidationReport } from './types.ts';

/** SARIF 2.1.0 JSON Schema, as named in the `$schema` of every log. */
export const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

const BASE_ID = 'MODELDIR';

function uri(file: string): string {
  return file.split('/').map(encodeURIComponent).join('/');
}

function result(p: Problem): Record<string, unknown> {
  const ruleIndex = RULES.findIndex((r) => r.id === p.rule);
  const region: Record<string, number> = {};
  if (p.line !== undefined) region.startLine = p.line;
  if (p.line !== undefined && p.column !== undefined) region.startColumn = p.column;
  const text = `${p.field !== undefined ? `${p.field}: ` : ''}${p.message}${p.hint !== undefined ? ` (hint: ${p.hint})` : ''}`;
  return {
    ruleId: p.rule,
    ...(ruleIndex >= 0 ? { ruleIndex } : {}),
    level: p.severity,
    message: { text },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: uri(p.file), uriBaseId: BASE_ID },
          ...(Object.keys(region).length > 0 ? { region } : {}),
        },
      },
    ],
  };
}

/** Renders a report as a SARIF 2.1.0 log, for code-scanning tools; file URIs are relative to the model directory. */
export function formatSarif(report: ValidationReport): string {
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'modelvault',
            version: packageVersion(),
            rules: RULES.map((r) => ({
              id: r.id,
              shortDescription: { text: r.shortDescription },
              help: { text: r.help },
              defaultConfiguration: { level: r.severity },
            })),
          },
        },
        originalUriBaseIds: { [BASE_ID]: { uri: `${pathToFileURL(path.resolve(report.dir)).href}/` } },
        results: report.problems.map(result),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
