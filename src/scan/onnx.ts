import { posix, win32 } from 'node:path';
import { messages, parseMessage, PbError, strings, type PbField } from '../formats/containers/index.ts';
import type { Finding } from './types.ts';

const STANDARD_DOMAINS = new Set(['', 'ai.onnx', 'ai.onnx.ml', 'ai.onnx.preview.training', 'com.microsoft', 'com.microsoft.nchwc', 'com.microsoft.experimental']);
const MAX_NAME = 64 * 1024;
const MAX_GRAPH_DEPTH = 64;

/** True when the top-level fields look like an ONNX ModelProto (ir_version and a graph). */
export function looksLikeOnnx(fields: readonly PbField[]): boolean {
  return fields.some((f) => f.num === 1 && f.wire === 0) && fields.some((f) => f.num === 7 && f.wire === 2);
}

/** Why an external_data location would make the loader read outside the model directory, if it would. */
export function externalLocationProblem(location: string): string | undefined {
  if (location.includes('\0')) return 'contains a NUL byte';
  if (posix.isAbsolute(location) || win32.isAbsolute(location) || /^[A-Za-z]:/.test(location)) return 'is an absolute path';
  const normal = posix.normalize(location.replace(/\\/g, '/'));
  if (normal === '..' || normal.startsWith('../')) return 'escapes the model directory';
  return undefined;
}

/** Checks an ONNX ModelProto: external data locations, operator domains, field sizes. */
export function scanOnnx(buf: Buffer): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const add = (f: Finding): void => {
    const key = `${f.kind}|${f.name}|${f.message}`;
    if (!seen.has(key)) { seen.add(key); findings.push(f); }
  };
  try {
    const model = parseMessage(buf);
    const localFunctions = new Set<string>();
    for (const fn of messages(model, 25)) localFunctions.add(`${strings(fn, 10)[0] ?? ''}:${strings(fn, 1)[0] ?? ''}`);
    const checkName = (s: string, what: string, offset: number): void => {
      if (s.length > MAX_NAME) add({ severity: 'suspicious', kind: 'limit', offset, message: `${what} of ${s.length} bytes is oversized` });
    };
    const tensor = (t: PbField[], offset: number): void => {
      const name = strings(t, 8)[0] ?? '';
      checkName(name, 'tensor name', offset);
      if (t.filter((f) => f.num === 1).length > 64) add({ severity: 'suspicious', kind: 'limit', name, offset, message: 'tensor with more than 64 dimensions' });
      for (const entry of messages(t, 13)) {
        if (strings(entry, 1)[0] !== 'location') continue;
        const location = strings(entry, 2)[0] ?? '';
        const problem = externalLocationProblem(location);
        if (problem) {
          add({ severity: 'dangerous', kind: 'external_data', name: location, offset, message: `tensor "${name}" reads external data from "${location}", which ${problem}` });
        }
      }
    };
    const graph = (g: PbField[], depth: number): void => {
      if (depth > MAX_GRAPH_DEPTH) {
        add({ severity: 'unscannable', kind: 'limit', message: `subgraphs nested deeper than ${MAX_GRAPH_DEPTH}; they were not checked` });
        return;
      }
      for (const f of g.filter((x) => x.num === 5 && x.bytes)) tensor(parseMessage(f.bytes as Buffer, f.dataOffset), f.offset);
      for (const sparse of messages(g, 15)) for (const f of sparse.filter((x) => (x.num === 1 || x.num === 2) && x.bytes)) tensor(parseMessage(f.bytes as Buffer, f.dataOffset), f.offset);
      for (const f of g.filter((x) => x.num === 1 && x.bytes)) node(parseMessage(f.bytes as Buffer, f.dataOffset), f.offset, depth);
    };
    const node = (n: PbField[], offset: number, depth: number): void => {
      const op = strings(n, 4)[0] ?? '';
      const domain = strings(n, 7)[0] ?? '';
      checkName(op, 'op_type', offset);
      checkName(domain, 'domain', offset);
      if (!STANDARD_DOMAINS.has(domain) && !localFunctions.has(`${domain}:${op}`)) {
        add({ severity: 'suspicious', kind: 'op', name: domain, offset, message: `operator ${domain}::${op} comes from a custom domain, which needs a native library to run` });
      }
      for (const a of messages(n, 5)) {
        for (const f of a.filter((x) => (x.num === 6 || x.num === 11) && x.bytes)) graph(parseMessage(f.bytes as Buffer, f.dataOffset), depth + 1);
        for (const f of a.filter((x) => (x.num === 5 || x.num === 10) && x.bytes)) tensor(parseMessage(f.bytes as Buffer, f.dataOffset), f.offset);
      }
    };
    for (const g of messages(model, 7)) graph(g, 0);
    for (const ti of messages(model, 20)) for (const g of [...messages(ti, 1), ...messages(ti, 2)]) graph(g, 1);
    for (const fn of messages(model, 25)) for (const f of fn.filter((x) => x.num === 7 && x.bytes)) node(parseMessage(f.bytes as Buffer, f.dataOffset), f.offset, 1);
  } catch (err) {
    if (!(err instanceof PbError)) throw err;
    add({ severity: 'suspicious', kind: 'malformed', message: `ONNX protobuf is malformed: ${err.message}` });
  }
  return findings;
}
