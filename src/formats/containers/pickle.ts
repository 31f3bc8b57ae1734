import type { ByteSource } from './byte-source.ts';
import { dtypeItemSize } from './dtype.ts';
import type { Finding, Severity } from './finding.ts';

/** A value on the symbolic stack: real data where pickle gives it, symbolic nodes for imports and calls. */
export type PyValue = null | boolean | number | bigint | string | PyBytes | PySeq | PyDict | PyGlobal | PyCall | PyOpaque;
interface PyBytes { k: 'bytes'; length: number }
interface PySeq { k: 'tuple' | 'list' | 'set'; items: PyValue[] }
interface PyDict { k: 'dict'; entries: Array<[PyValue, PyValue]> }
interface PyGlobal { k: 'global'; name: string }
interface PyCall { k: 'call'; fn: PyValue; args: PyValue; state?: PyValue }
/** `lost` marks a value the walk could not follow (past a limit, or where the loader would fail): calling it is unscannable. */
interface PyOpaque { k: 'opaque'; what: string; lost?: true }

/**
 * How a run ended: at a clean STOP, at the file's end before STOP, where the source had no more bytes to give,
 * or `halted`: on a limit, on bytes it cannot walk past, or at a STOP after a point where the loader fails.
 */
export type PickleStatus = 'complete' | 'truncated' | 'unread' | 'halted';

/** What one run of the pickle machine found. */
export interface PickleResult {
  findings: Finding[];
  /** Offset just past the last byte consumed. */
  end: number;
  /** True when the stream ended with STOP. */
  complete: boolean;
  status: PickleStatus;
  /** The protocol a PROTO opcode announced, 0 when there was none. */
  protocol: number;
  /** True when an import or call opcode was seen, i.e. the bytes act like a pickle. */
  sawCode: boolean;
  /** True when joblib's array wrapper was seen. */
  joblib: boolean;
  /** The value STOP returned, when the stream completed. */
  result?: PyValue;
  /** Storage type of each storage key a legacy torch persistent id named, e.g. `0` → `torch.FloatStorage`. */
  storages: Map<string, string>;
}

/** Bounds that keep a hostile pickle from exhausting memory or time; hitting one is an `unscannable` finding. */
export interface PickleLimits {
  maxOpcodes: number;
  maxMemoEntries: number;
  maxStackDepth: number;
  maxStringLength: number;
  /** Bytes of string values a run keeps; past it, long strings are kept only as their length. */
  maxHeldStringBytes: number;
  /** Container items a run keeps; past it, large containers stop recording what is added to them. */
  maxHeldItems: number;
}

/** How an imported global is judged: `info` for an allowed one, with its resolved dotted name and the reason. */
export interface GlobalJudgement {
  severity: Severity;
  name: string;
  reason: string;
}

/** What the machine needs: its limits and a judge for every import. */
export interface PickleContext {
  limits: PickleLimits;
  classify(module: string, name: string): GlobalJudgement;
  /** Opcodes left, shared by every run of one stream (stacked and nested pickles); `maxOpcodes` per run without it. */
  budget?: { opcodes: number };
}

/** The bytes ran out: `unread` when the source gave fewer bytes than the file holds, else at the file's end. */
class Truncated extends Error {
  constructor(readonly unread: boolean) {
    super('truncated');
  }
}
class Halt extends Error {}

const CHUNK = 1 << 20;

/** Buffered forward reader over a ByteSource. */
class Cursor {
  private buf: Buffer = Buffer.alloc(0);
  private base = 0;
  private window: Buffer | undefined;
  constructor(private readonly src: ByteSource, public pos: number) {}

  private ensure(n: number): void {
    if (this.pos >= this.base && this.pos + n <= this.base + this.buf.length) return;
    if (this.pos + n > this.src.size) throw new Truncated(false);
    this.base = this.pos;
    // One reused window instead of a fresh megabyte per refill: taken bytes are consumed before the next refill.
    if (n <= CHUNK && this.src.readInto) {
      this.window ??= Buffer.allocUnsafe(CHUNK);
      this.buf = this.window.subarray(0, this.src.readInto(this.pos, this.window));
    } else {
      this.buf = this.src.read(this.pos, Math.max(n, CHUNK));
    }
    if (this.buf.length < n) throw new Truncated(true);
  }

  byte(): number {
    this.ensure(1);
    return this.buf[this.pos++ - this.base] as number;
  }

  take(n: number): Buffer {
    this.ensure(n);
    const start = this.pos - this.base;
    this.pos += n;
    return this.buf.subarray(start, start + n);
  }

  skip(n: number): void {
    if (n < 0 || this.pos + n > this.src.size) throw new Truncated(false);
    this.pos += n;
  }

  /** A newline-terminated argument, or undefined when it is longer than `max`. */
  line(max: number): Buffer | undefined {
    let scanned = 0;
    for (;;) {
      const avail = Math.min(this.src.size - this.pos, scanned + 4096, max + 1);
      if (avail <= scanned) {
        if (this.pos + scanned >= this.src.size) throw new Truncated(false);
        return undefined;
      }
      const chunk = this.peek(avail);
      const nl = chunk.indexOf(10, scanned);
      if (nl >= 0) {
        const out = Buffer.from(chunk.subarray(0, nl));
        this.pos += nl + 1;
        return out;
      }
      scanned = avail;
    }
  }

  private peek(n: number): Buffer {
    this.ensure(n);
    const start = this.pos - this.base;
    return this.buf.subarray(start, start + n);
  }
}

const TORCH_LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

/** True when `value` is the magic number that starts a legacy torch.save stream. */
export function isTorchLegacyMagic(value: PyValue | undefined): boolean {
  return value === TORCH_LEGACY_MAGIC;
}

/** Short text for a value, used to name unresolved imports. */
function render(v: PyValue): string {
  return typeof v === 'string' ? v : '?';
}

/** Thrown for an escape past U+10FFFF, which Python's decoders refuse. */
class BadEscape extends Error {}

function fromHex(hex: string): string {
  const cp = parseInt(hex, 16);
  if (cp > 0x10ffff) throw new BadEscape(`\\U${hex} is not a Unicode character`);
  return String.fromCodePoint(cp);
}

function unescapePyString(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[\\'"abfnrtv0]|\n)/g, (_m, e: string) => {
    const simple: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '0': '\0', '\n': '' };
    if (e.length === 1) return simple[e] ?? e;
    return fromHex(e.slice(1));
  });
}

function decodeRawUnicodeEscape(b: Buffer): string {
  return b.toString('latin1').replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, u?: string, U?: string) => fromHex((u ?? U) as string));
}

function signedLE(b: Buffer): bigint {
  if (b.length === 0) return 0n;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i] as number);
  if (((b[b.length - 1] as number) & 0x80) !== 0) v -= 1n << BigInt(8 * b.length);
  return v;
}

// Python's int(text, 0), which INT and LONG call: a sign, a 0x/0o/0b prefix, underscores between digits, spaces around.
const INT_LITERAL = /^\s*([-+]?)(?:0([xX])((?:_?[0-9a-fA-F])+)|0([oO])((?:_?[0-7])+)|0([bB])((?:_?[01])+)|([1-9](?:_?\d)*|0(?:_?0)*))\s*$/;
// Python's int(text), which GET and PUT call for memo keys.
const DECIMAL_LITERAL = /^\s*\+?(\d(?:_?\d)*)\s*$/;

/** The integer Python reads from an INT or LONG argument, or undefined where the loader raises. */
function pyIntLiteral(text: string): bigint | undefined {
  const m = INT_LITERAL.exec(text);
  if (!m) return undefined;
  const [, sign, x, hex, o, oct, b, bin, dec] = m;
  const prefix = x ? '0x' : o ? '0o' : b ? '0b' : '';
  const v = BigInt(prefix + (hex ?? oct ?? bin ?? dec ?? '0').replace(/_/g, ''));
  return sign === '-' ? -v : v;
}

function smallInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function dictGet(d: PyValue | undefined, key: string): PyValue | undefined {
  if (!d || typeof d !== 'object' || d.k !== 'dict') return undefined;
  for (const [k, v] of d.entries) if (k === key) return v;
  return undefined;
}

// Wrappers whose array bytes follow inline in the stream; the old NDArrayWrapper kept them in side files.
const JOBLIB_WRAPPERS = new Set(['joblib.numpy_pickle.NumpyArrayWrapper', 'sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper']);
const JOBLIB_GLOBALS = new Set([...JOBLIB_WRAPPERS, 'joblib.numpy_pickle.NDArrayWrapper', 'sklearn.externals.joblib.numpy_pickle.NDArrayWrapper']);
// Python's float() syntax for FLOAT's argument line; anything else makes the loader raise.
const FLOAT_LINE = /^\s*[-+]?((\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|inf(inity)?|nan)\s*$/i;
const MAX_NESTED_PICKLES = 8;
/** Strings up to this many bytes are always kept: module and attribute names are this short. */
const SHORT_STRING = 256;
/** Dicts smaller than this keep growing past the item budget: BUILD states and joblib headers are read back. */
const SMALL_DICT = 64;

/** Storage type names of legacy torch persistent ids, and the bytes per element of each. */
const TORCH_STORAGE_ITEM_SIZE: Record<string, number> = {
  'torch.DoubleStorage': 8, 'torch.FloatStorage': 4, 'torch.HalfStorage': 2, 'torch.BFloat16Storage': 2, 'torch.LongStorage': 8,
  'torch.IntStorage': 4, 'torch.ShortStorage': 2, 'torch.CharStorage': 1, 'torch.ByteStorage': 1, 'torch.BoolStorage': 1,
  'torch.ComplexDoubleStorage': 16, 'torch.ComplexFloatStorage': 8, 'torch.QInt8Storage': 1, 'torch.QUInt8Storage': 1, 'torch.QInt32Storage': 4,
  'torch.QUInt4x2Storage': 1, 'torch.QUInt2x4Storage': 1, 'torch.UntypedStorage': 1,
};

/** Bytes per element of a legacy torch storage type, or undefined for one the scanner does not know. */
export function torchStorageItemSize(storageType: string): number | undefined {
  return TORCH_STORAGE_ITEM_SIZE[storageType];
}

/** A dunder name: setting one on an object replaces a method Python calls implicitly. */
const isDunder = (k: PyValue): k is string => typeof k === 'string' && k.length > 4 && k.startsWith('__') && k.endsWith('__');

function dunderKey(d: PyDict): string | undefined {
  for (const [k] of d.entries) if (isDunder(k)) return k;
  return undefined;
}

/** A dunder string within `v`: itself, an item of its sequences, or a key of its dicts, `depth` levels down. */
function dunderWithin(v: PyValue, depth: number): string | undefined {
  if (isDunder(v)) return v;
  if (depth === 0 || !v || typeof v !== 'object') return undefined;
  if (v.k === 'dict') return dunderKey(v);
  if (v.k !== 'tuple' && v.k !== 'list' && v.k !== 'set') return undefined;
  for (const x of v.items) {
    const hit = dunderWithin(x, depth - 1);
    if (hit) return hit;
  }
  return undefined;
}

/**
 * The first dunder attribute a BUILD state (a dict, or a (dict, slot dict) pair) would set; for a mapping built
 * by a call, such as `dict([('__setstate__', f)])`, a dunder string among the call's arguments.
 */
function dunderInState(state: PyValue): string | undefined {
  const parts = state && typeof state === 'object' && state.k === 'tuple' && state.items.length === 2 ? state.items : [state];
  for (const p of parts) {
    const hit = !p || typeof p !== 'object' ? undefined : p.k === 'dict' ? dunderKey(p) : p.k === 'call' ? dunderWithin(p.args, 3) : undefined;
    if (hit) return hit;
  }
  return undefined;
}

/** Walks one pickle from `start`, never executing anything, and reports every import and call it would make. */
export function runPickle(src: ByteSource, start: number, ctx: PickleContext, nesting = 0): PickleResult {
  const { limits } = ctx;
  const cur = new Cursor(src, start);
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const stack: PyValue[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();
  let sawCode = false;
  let joblib = false;
  let opStart = start;
  let result: PyValue | undefined;
  let complete = false;
  let status: PickleStatus = 'halted';
  let protocol = 0;
  // Set once the walk went past a point where the loader raises: a later STOP is then no clean end.
  let faulted = false;
  const budget = ctx.budget ?? { opcodes: limits.maxOpcodes };
  const storages = new Map<string, string>();
  const lost = (what: string): PyOpaque => ({ k: 'opaque', what, lost: true });

  const add = (f: Finding): void => {
    const key = `${f.severity}|${f.kind}|${f.name ?? f.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    findings.push(f);
  };
  // Where the walk cannot go on, what follows is unjudged: unscannable, whatever came before.
  const halt = (kind: 'malformed' | 'limit', message: string): never => {
    add({ severity: 'unscannable', kind, offset: opStart, message: `${message}; the rest of the stream was not scanned` });
    throw new Halt();
  };
  // Where the loader raises but the next opcode is known, the walk goes on: another loader may accept the bytes.
  const fault = (message: string): void => {
    faulted = true;
    add({ severity: 'suspicious', kind: 'malformed', offset: opStart, message: `${message} (the loader fails here)` });
  };
  const push = (v: PyValue): void => {
    if (stack.length >= limits.maxStackDepth) halt('limit', `stack deeper than ${limits.maxStackDepth} items`);
    stack.push(v);
  };
  const floor = (): number => marks[marks.length - 1] ?? 0;
  const pop = (): PyValue => {
    if (stack.length > floor()) return stack.pop() as PyValue;
    fault('stack underflow');
    return lost('missing stack item');
  };
  const top = (): PyValue => {
    if (stack.length > floor()) return stack[stack.length - 1] as PyValue;
    fault('stack underflow');
    const v = lost('missing stack item');
    push(v);
    return v;
  };
  const popMark = (): PyValue[] => {
    const m = marks.pop();
    if (m !== undefined) return stack.splice(m);
    fault('MARK expected but none on the stack');
    return [];
  };
  const readLine = (): Buffer => {
    const b = cur.line(limits.maxStringLength);
    if (!b) return halt('limit', `line argument longer than ${limits.maxStringLength} bytes`);
    return b;
  };
  const readLen = (bytes: 1 | 4 | 8): number => {
    const b = cur.take(bytes);
    const n = bytes === 1 ? (b[0] as number) : bytes === 4 ? b.readInt32LE(0) : Number(b.readBigUInt64LE(0));
    if (n < 0) halt('malformed', 'negative length (the loader fails here)');
    return n;
  };
  // Memory stays bounded on huge pickles: names are short strings and are always kept, while long strings
  // past the budget become opaque (an import naming one is then unresolvable, hence dangerous).
  let heldStringBytes = 0;
  let heldItems = 0;
  const readText = (n: number, encoding: 'utf8' | 'latin1'): PyValue => {
    if (n > limits.maxStringLength || (n > SHORT_STRING && heldStringBytes + n > limits.maxHeldStringBytes)) {
      cur.skip(n);
      return { k: 'opaque', what: `string of ${n} bytes` };
    }
    heldStringBytes += n;
    return cur.take(n).toString(encoding);
  };
  // Past the item budget, lists and sets and all but small dicts (BUILD states, joblib array headers) stop
  // growing: their contents can only be reached again through calls, which are judged on their own.
  const keep = (container: { length: number }, added: number, small: number): boolean => {
    if (heldItems + added > limits.maxHeldItems && container.length >= small) return false;
    heldItems += added;
    return true;
  };
  // A dict past the item budget still keeps one dunder key, so a BUILD state cannot hide one by being large.
  const keptDunder = new WeakSet<PyDict>();
  const addEntries = (d: PyDict, items: PyValue[]): void => {
    const kept = keep(d.entries, items.length >> 1, SMALL_DICT);
    for (let i = 0; i + 1 < items.length; i += 2) {
      const k = items[i] as PyValue;
      if (!kept && (!isDunder(k) || keptDunder.has(d))) continue;
      if (isDunder(k)) keptDunder.add(d);
      d.entries.push([k, items[i + 1] as PyValue]);
    }
  };
  const importGlobal = (module: PyValue, name: PyValue, how: string): PyValue => {
    sawCode = true;
    if (typeof module !== 'string' || typeof name !== 'string') {
      const shown = `${render(module)}.${render(name)}`;
      add({ severity: 'dangerous', kind: 'global', name: shown, offset: opStart, message: `${how} imports a name that cannot be resolved statically` });
      return { k: 'global', name: shown };
    }
    const v = ctx.classify(module, name);
    if (v.severity !== 'info') add({ severity: v.severity, kind: 'global', name: v.name, offset: opStart, message: `${how} imports ${v.name}: ${v.reason}` });
    if (JOBLIB_GLOBALS.has(v.name)) joblib = true;
    return { k: 'global', name: v.name };
  };
  const callOf = (fn: PyValue, args: PyValue, how: string): PyValue => {
    sawCode = true;
    if (fn !== null && typeof fn === 'object' && fn.k === 'opaque' && fn.lost) {
      add({ severity: 'unscannable', kind: 'call', offset: opStart, message: `${how} calls a value the scanner could not follow (${fn.what}), so what runs is unknown` });
    } else if (fn === null || typeof fn !== 'object' || fn.k !== 'global') {
      const computed = fn !== null && typeof fn === 'object' && (fn.k === 'call' || fn.k === 'opaque');
      add({
        severity: computed ? 'dangerous' : 'suspicious',
        kind: 'call',
        offset: opStart,
        message: computed ? `${how} calls a value produced while loading, which hides what runs` : `${how} calls a value that is not a global`,
      });
    }
    return { k: 'call', fn, args };
  };
  // Past the memo limit the walk goes on without storing: reading a dropped entry gives a lost value.
  let memoFull = false;
  const memoPut = (key: number | undefined, v: PyValue): void => {
    if (key === undefined || memo.has(key) || memo.size < limits.maxMemoEntries) {
      if (key !== undefined) memo.set(key, v);
      return;
    }
    if (!memoFull) add({ severity: 'unscannable', kind: 'limit', offset: opStart, message: `memo larger than ${limits.maxMemoEntries} entries; later entries were not kept, so values read back from them are unknown` });
    memoFull = true;
  };
  const memoGet = (key: number | undefined): PyValue => {
    if (key !== undefined && memo.has(key)) return memo.get(key) as PyValue;
    if (memoFull) return lost('memo entry past the limit');
    fault(key === undefined ? 'memo key is not a decimal integer' : `memo key ${key} read before it was written`);
    return lost('missing memo entry');
  };
  const intArg = (b: Buffer, what: string): PyValue => {
    const s = b.toString('latin1');
    const v = pyIntLiteral(what === 'LONG' ? s.replace(/L$/, '') : s);
    if (v !== undefined) return smallInt(v);
    fault(`${what} argument "${s.slice(0, 40)}" is not an integer literal`);
    return lost('unparsed integer');
  };
  const memoKey = (b: Buffer): number | undefined => {
    const m = DECIMAL_LITERAL.exec(b.toString('latin1'));
    const key = m ? Number((m[1] as string).replace(/_/g, '')) : undefined;
    if (key === undefined) fault(`memo key "${b.toString('latin1').slice(0, 40)}" is not a decimal integer`);
    return key;
  };
  const text = (decode: () => string): PyValue => {
    try {
      return decode();
    } catch (err) {
      if (!(err instanceof BadEscape)) throw err;
      fault(err.message);
      return lost('undecodable string');
    }
  };
  const skipJoblibArray = (wrapper: PyCall): void => {
    const state = wrapper.state;
    const shape = dictGet(state, 'shape');
    const dtype = dictGet(state, 'dtype');
    let count = 1;
    if (shape && typeof shape === 'object' && shape.k === 'tuple') {
      for (const d of shape.items) count *= typeof d === 'number' && d >= 0 ? d : NaN;
    } else count = NaN;
    let itemSize: number | 'object' | undefined;
    if (dtype && typeof dtype === 'object' && dtype.k === 'call' && dtype.args && typeof dtype.args === 'object' && dtype.args.k === 'tuple') {
      const descr = dtype.args.items[0];
      const st = dtype.state && typeof dtype.state === 'object' && dtype.state.k === 'tuple' ? dtype.state.items[5] : undefined;
      itemSize = typeof descr === 'string' ? dtypeItemSize(descr, typeof st === 'number' ? st : undefined) : undefined;
    }
    if (itemSize === 'object') {
      if (nesting >= MAX_NESTED_PICKLES) halt('limit', 'joblib object arrays nested too deeply');
      const inner = runPickle(src, cur.pos, ctx, nesting + 1);
      for (const f of inner.findings) add({ ...f, message: `nested pickle of a joblib object array: ${f.message}` });
      if (!inner.complete) throw new Halt();
      cur.pos = inner.end;
      return;
    }
    if (itemSize === undefined || !Number.isFinite(count)) {
      add({ severity: 'unscannable', kind: 'malformed', offset: opStart, message: 'joblib array wrapper without a readable shape or dtype; the rest of the stream cannot be located' });
      throw new Halt();
    }
    const align = dictGet(state, 'numpy_array_alignment_bytes');
    if (typeof align === 'number') cur.skip(cur.byte());
    cur.skip(count * itemSize);
  };

  try {
    for (;;) {
      opStart = cur.pos;
      if (--budget.opcodes < 0) halt('limit', `more than ${limits.maxOpcodes} opcodes`);
      const op = cur.byte();
      switch (op) {
        case 0x28: // MARK
          if (marks.length >= limits.maxStackDepth) halt('limit', `more than ${limits.maxStackDepth} nested MARKs`);
          marks.push(stack.length);
          break;
        case 0x2e: // STOP
          result = pop();
          complete = true;
          return { findings, end: cur.pos, complete, status: faulted ? 'halted' : 'complete', protocol, sawCode, joblib, result, storages };
        case 0x30: // POP
          if (stack.length > floor()) stack.pop();
          else if (marks.length > 0) marks.pop();
          else fault('stack underflow');
          break;
        case 0x31: // POP_MARK
          popMark();
          break;
        case 0x32: // DUP
          push(top());
          break;
        case 0x46: { // FLOAT
          const s = readLine().toString('latin1');
          if (FLOAT_LINE.test(s)) push(Number.parseFloat(s));
          else {
            fault(`bad float literal "${s.slice(0, 40)}"`);
            push(lost('unparsed float'));
          }
          break;
        }
        case 0x49: { // INT
          const b = readLine();
          const s = b.toString('latin1');
          push(s === '00' ? false : s === '01' ? true : intArg(b, 'INT'));
          break;
        }
        case 0x4a: push(cur.take(4).readInt32LE(0)); break; // BININT
        case 0x4b: push(cur.byte()); break; // BININT1
        case 0x4c: push(intArg(readLine(), 'LONG')); break; // LONG
        case 0x4d: push(cur.take(2).readUInt16LE(0)); break; // BININT2
        case 0x4e: push(null); break; // NONE
        case 0x50: // PERSID
          readLine();
          push({ k: 'opaque', what: 'persistent object' });
          break;
        case 0x51: { // BINPERSID
          // Legacy torch names each storage ('storage', type, key, location, numel, …); its bytes follow the last pickle.
          const pid = pop();
          const [tag, type, key] = pid && typeof pid === 'object' && pid.k === 'tuple' ? pid.items : [];
          if (tag === 'storage' && type && typeof type === 'object' && type.k === 'global' && typeof key === 'string' && storages.size < limits.maxHeldItems) storages.set(key, type.name);
          push({ k: 'opaque', what: 'persistent object' });
          break;
        }
        case 0x52: { // REDUCE
          const args = pop();
          const fn = pop();
          push(callOf(fn, args, 'REDUCE'));
          break;
        }
        case 0x53: { // STRING
          const s = readLine().toString('latin1').trim();
          const q = s[0];
          if (s.length >= 2 && (q === "'" || q === '"') && s[s.length - 1] === q) push(text(() => unescapePyString(s.slice(1, -1))));
          else {
            fault('STRING argument is not quoted');
            push(lost('unquoted string'));
          }
          break;
        }
        case 0x54: push(readText(readLen(4), 'latin1')); break; // BINSTRING
        case 0x55: push(readText(readLen(1), 'latin1')); break; // SHORT_BINSTRING
        case 0x56: { const b = readLine(); push(text(() => decodeRawUnicodeEscape(b))); break; } // UNICODE
        case 0x58: push(readText(readLen(4), 'utf8')); break; // BINUNICODE
        case 0x8c: push(readText(readLen(1), 'utf8')); break; // SHORT_BINUNICODE
        case 0x8d: push(readText(readLen(8), 'utf8')); break; // BINUNICODE8
        case 0x42: case 0x43: case 0x8e: case 0x96: { // BINBYTES, SHORT_BINBYTES, BINBYTES8, BYTEARRAY8
          const n = readLen(op === 0x43 ? 1 : op === 0x42 ? 4 : 8);
          cur.skip(n);
          push({ k: 'bytes', length: n });
          break;
        }
        case 0x61: { // APPEND
          const v = pop();
          const l = top();
          if (l && typeof l === 'object' && l.k === 'list' && keep(l.items, 1, 0)) l.items.push(v);
          break;
        }
        case 0x65: { // APPENDS
          const items = popMark();
          const l = top();
          if (l && typeof l === 'object' && l.k === 'list' && keep(l.items, items.length, 0)) for (const v of items) l.items.push(v);
          break;
        }
        case 0x62: { // BUILD
          const state = pop();
          const inst = top();
          const hook = dunderInState(state);
          if (hook !== undefined) {
            sawCode = true;
            add({ severity: 'dangerous', kind: 'build', name: hook, offset: opStart, message: `BUILD sets ${hook} on an object, replacing a method Python calls implicitly` });
          }
          if (inst && typeof inst === 'object' && inst.k === 'global') {
            sawCode = true;
            add({ severity: 'dangerous', kind: 'build', name: inst.name, offset: opStart, message: `BUILD writes attributes of the imported object ${inst.name}, changing what later imports return` });
          } else if (inst && typeof inst === 'object' && inst.k === 'call') {
            inst.state = state;
            if (inst.fn && typeof inst.fn === 'object' && inst.fn.k === 'global' && JOBLIB_WRAPPERS.has(inst.fn.name)) skipJoblibArray(inst);
          }
          break;
        }
        case 0x63: { // GLOBAL
          const module = readLine().toString('utf8');
          const name = readLine().toString('utf8');
          push(importGlobal(module, name, 'GLOBAL'));
          break;
        }
        case 0x93: { // STACK_GLOBAL
          const name = pop();
          const module = pop();
          push(importGlobal(module, name, 'STACK_GLOBAL'));
          break;
        }
        case 0x69: { // INST
          const module = readLine().toString('utf8');
          const name = readLine().toString('utf8');
          const args = popMark();
          const cls = importGlobal(module, name, 'INST');
          push(callOf(cls, { k: 'tuple', items: args }, 'INST'));
          break;
        }
        case 0x6f: { // OBJ
          const items = popMark();
          if (items.length > 0) push(callOf(items[0] as PyValue, { k: 'tuple', items: items.slice(1) }, 'OBJ'));
          else {
            fault('OBJ without a class');
            push(lost('missing class'));
          }
          break;
        }
        case 0x81: { // NEWOBJ
          const args = pop();
          const cls = pop();
          push(callOf(cls, args, 'NEWOBJ'));
          break;
        }
        case 0x92: { // NEWOBJ_EX
          pop();
          const args = pop();
          const cls = pop();
          push(callOf(cls, args, 'NEWOBJ_EX'));
          break;
        }
        case 0x82: case 0x83: case 0x84: { // EXT1, EXT2, EXT4
          const b = cur.take(op === 0x82 ? 1 : op === 0x83 ? 2 : 4);
          const code = op === 0x82 ? (b[0] as number) : op === 0x83 ? b.readUInt16LE(0) : b.readInt32LE(0);
          sawCode = true;
          add({ severity: 'dangerous', kind: 'global', name: `ext:${code}`, offset: opStart, message: `EXT opcode imports extension code ${code} from the copyreg registry, which the file cannot vouch for` });
          push({ k: 'global', name: `ext:${code}` });
          break;
        }
        case 0x64: { // DICT
          const items = popMark();
          const entries: Array<[PyValue, PyValue]> = [];
          for (let i = 0; i + 1 < items.length; i += 2) entries.push([items[i] as PyValue, items[i + 1] as PyValue]);
          push({ k: 'dict', entries });
          break;
        }
        case 0x7d: push({ k: 'dict', entries: [] }); break; // EMPTY_DICT
        case 0x5d: push({ k: 'list', items: [] }); break; // EMPTY_LIST
        case 0x29: push({ k: 'tuple', items: [] }); break; // EMPTY_TUPLE
        case 0x8f: push({ k: 'set', items: [] }); break; // EMPTY_SET
        case 0x6c: push({ k: 'list', items: popMark() }); break; // LIST
        case 0x74: push({ k: 'tuple', items: popMark() }); break; // TUPLE
        case 0x91: push({ k: 'set', items: popMark() }); break; // FROZENSET
        case 0x85: push({ k: 'tuple', items: [pop()] }); break; // TUPLE1
        case 0x86: { const b = pop(); const a = pop(); push({ k: 'tuple', items: [a, b] }); break; } // TUPLE2
        case 0x87: { const c = pop(); const b = pop(); const a = pop(); push({ k: 'tuple', items: [a, b, c] }); break; } // TUPLE3
        case 0x90: { // ADDITEMS
          const items = popMark();
          const s = top();
          if (s && typeof s === 'object' && s.k === 'set' && keep(s.items, items.length, 0)) for (const v of items) s.items.push(v);
          break;
        }
        case 0x73: { // SETITEM
          const v = pop();
          const k = pop();
          const d = top();
          if (d && typeof d === 'object' && d.k === 'dict') addEntries(d, [k, v]);
          break;
        }
        case 0x75: { // SETITEMS
          const items = popMark();
          const d = top();
          if (d && typeof d === 'object' && d.k === 'dict') addEntries(d, items);
          break;
        }
        case 0x67: push(memoGet(memoKey(readLine()))); break; // GET
        case 0x68: push(memoGet(cur.byte())); break; // BINGET
        case 0x6a: push(memoGet(cur.take(4).readUInt32LE(0))); break; // LONG_BINGET
        case 0x70: memoPut(memoKey(readLine()), top()); break; // PUT
        case 0x71: memoPut(cur.byte(), top()); break; // BINPUT
        case 0x72: memoPut(cur.take(4).readUInt32LE(0), top()); break; // LONG_BINPUT
        case 0x94: memoPut(memo.size, top()); break; // MEMOIZE
        case 0x47: push(cur.take(8).readDoubleBE(0)); break; // BINFLOAT
        case 0x80: { // PROTO
          const p = cur.byte();
          if (p > 5) fault(`unsupported pickle protocol ${p}`);
          else if (protocol === 0) protocol = p;
          break;
        }
        case 0x88: push(true); break; // NEWTRUE
        case 0x89: push(false); break; // NEWFALSE
        case 0x8a: case 0x8b: { // LONG1, LONG4
          const n = op === 0x8a ? cur.byte() : readLen(4);
          if (n > limits.maxStringLength) halt('limit', `integer of ${n} bytes`);
          push(smallInt(signedLE(cur.take(n))));
          break;
        }
        case 0x95: cur.take(8); break; // FRAME: frames only group opcodes
        case 0x97: push({ k: 'opaque', what: 'out-of-band buffer' }); break; // NEXT_BUFFER
        case 0x98: break; // READONLY_BUFFER
        default:
          // Its argument's length is unknown, so nothing after it can be located.
          halt('malformed', `opcode 0x${op.toString(16).padStart(2, '0')} is not one the scanner models (the loader fails here unless it knows it)`);
      }
    }
  } catch (err) {
    if (err instanceof Truncated) {
      status = faulted ? 'halted' : err.unread ? 'unread' : 'truncated';
      add({ severity: 'suspicious', kind: 'malformed', offset: opStart, message: 'pickle ends before STOP (truncated); the loader runs everything before this point' });
    } else if (!(err instanceof Halt)) {
      throw err;
    }
  }
  return { findings, end: cur.pos, complete, status, protocol, sawCode, joblib, storages };
}
