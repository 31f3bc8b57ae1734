import { messages, parseMessage, PbError, strings, type PbField } from '../formats/containers/index.ts';
import opsData from './tf-ops.json' with { type: 'json' };
import type { Finding } from './types.ts';

const SAFE_OPS = new Set<string>(opsData.safe);
const DANGEROUS_OPS = new Map<string, string>(Object.entries(opsData.dangerous));

/** True when the top-level fields look like a SavedModel (schema version and meta graphs, no ONNX graph). */
export function looksLikeSavedModel(fields: readonly PbField[]): boolean {
  return fields.some((f) => f.num === 2 && f.wire === 2) && !fields.some((f) => f.num === 7) && fields.every((f) => f.num <= 2);
}

/** Lists the ops of a SavedModel (`.pb`) or a frozen GraphDef and judges each. */
export function scanTensorFlow(buf: Buffer, savedModel: boolean): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const judge = (op: string, offset: number): void => {
    if (SAFE_OPS.has(op) || seen.has(op)) return;
    seen.add(op);
    const why = DANGEROUS_OPS.get(op);
    if (why) findings.push({ severity: 'dangerous', kind: 'op', name: op, offset, message: `TensorFlow op ${op} ${why}` });
    else findings.push({ severity: 'suspicious', kind: 'op', name: op, offset, message: `TensorFlow op ${op} is not on the list of known ops` });
  };
  const nodes = (fields: PbField[], num: number): void => {
    for (const f of fields.filter((x) => x.num === num && x.bytes)) judge(strings(parseMessage(f.bytes as Buffer, f.dataOffset), 2)[0] ?? '', f.offset);
  };
  const graph = (g: PbField[]): void => {
    nodes(g, 1);
    for (const lib of messages(g, 2)) for (const fn of messages(lib, 1)) nodes(fn, 3);
  };
  try {
    const top = parseMessage(buf);
    if (savedModel) for (const meta of messages(top, 2)) for (const g of messages(meta, 2)) graph(g);
    else graph(top);
  } catch (err) {
    if (!(err instanceof PbError)) throw err;
    findings.push({ severity: 'suspicious', kind: 'malformed', message: `TensorFlow protobuf is malformed: ${err.message}` });
  }
  return findings;
}
