import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defaultPolicy, extendAllowlist, scanFile, type ScanLimits, type ScanPolicy, type Verdict } from '../../src/scan/index.ts';

// Pickles written opcode by opcode (pickletools names), so each rule of the pickle machine is tested alone.
const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
const PROTO2 = bytes('\x80\x02');
const PROTO4 = bytes('\x80\x04');
const STOP = bytes('.');
const NONE = bytes('N');
const EMPTY_TUPLE = bytes(')');
const EMPTY_DICT = bytes('}');
const MARK = bytes('(');
const REDUCE = bytes('R');
const BUILD = bytes('b');
const GLOBAL = (module: string, name: string): Buffer => bytes(`c${module}\n${name}\n`);
const SHORT_BINUNICODE = (s: string): Buffer => Buffer.concat([bytes('\x8c'), Buffer.of(Buffer.byteLength(s)), Buffer.from(s)]);
const STACK_GLOBAL = bytes('\x93');
const TUPLE1 = bytes('\x85');
const pickle = (...ops: Buffer[]): Buffer => Buffer.concat([PROTO2, ...ops]);
/** `module.name()` as REDUCE calls it. */
const call = (module: string, name: string): Buffer => Buffer.concat([GLOBAL(module, name), EMPTY_TUPLE, REDUCE]);

const dir = mkdtempSync(join(tmpdir(), 'mv-pickle-rules-'));
let n = 0;

/** Scans the bytes and returns the verdict and each finding as [severity, kind, name]. */
async function scan(data: Buffer, limits: Partial<ScanLimits> = {}): Promise<{ verdict: Verdict; format: string; findings: Array<[string, string, string | undefined]>; messages: string[] }> {
  const path = join(dir, `p${n++}.pkl`);
  writeFileSync(path, data);
  const r = await scanFile(path, { limits });
  return { verdict: r.verdict, format: r.format, findings: r.findings.map((f) => [f.severity, f.kind, f.name]), messages: r.findings.map((f) => f.message) };
}

describe('pickle imports', () => {
  it('an allowlisted global is safe', async () => {
    const r = await scan(pickle(call('collections', 'OrderedDict'), STOP));
    assert.deepEqual([r.verdict, r.format, r.findings], ['safe', 'pickle', []]);
  });

  it('a known-dangerous global is dangerous', async () => {
    const r = await scan(pickle(GLOBAL('posix', 'system'), SHORT_BINUNICODE('id'), TUPLE1, REDUCE, STOP));
    assert.deepEqual([r.verdict, r.findings], ['dangerous', [['dangerous', 'global', 'posix.system']]]);
  });

  it('a Python 2 module name is judged under its Python 3 name', async () => {
    const r = await scan(pickle(call('__builtin__', 'eval'), STOP));
    assert.deepEqual([r.verdict, r.findings], ['dangerous', [['dangerous', 'global', 'builtins.eval']]]);
  });

  it('a dangerous module reached by attribute lookup from a harmless one is dangerous', async () => {
    const r = await scan(pickle(call('mylib', 'os.system'), STOP));
    assert.deepEqual([r.verdict, r.findings], ['dangerous', [['dangerous', 'global', 'mylib.os.system']]]);
    assert.match(r.messages[0]!, /reaches os through attribute lookup/);
  });

  it('a dunder attribute is dangerous', async () => {
    const r = await scan(pickle(call('mylib', 'Model.__globals__'), STOP));
    assert.deepEqual([r.verdict, r.findings], ['dangerous', [['dangerous', 'global', 'mylib.Model.__globals__']]]);
    assert.match(r.messages[0]!, /dunder attribute/);
  });

  it('a malformed import name is dangerous', async () => {
    const r = await scan(pickle(call('mylib', 'Model..x'), STOP));
    assert.deepEqual([r.verdict, r.findings], ['dangerous', [['dangerous', 'global', 'mylib.Model..x']]]);
    assert.match(r.messages[0]!, /malformed import name/);
  });

  it('a global that is not on the allowlist is suspicious, dotted or not', async () => {
    const plain = await scan(pickle(call('mylib', 'Model'), STOP));
    assert.deepEqual([plain.verdict, plain.findings], ['suspicious', [['suspicious', 'global', 'mylib.Model']]]);
    assert.match(plain.messages[0]!, /not on the allowlist/);
    const dotted = await scan(pickle(call('mylib', 'Model.load'), STOP));
    assert.deepEqual([dotted.verdict, dotted.findings], ['suspicious', [['suspicious', 'global', 'mylib.Model.load']]]);
    assert.match(dotted.messages[0]!, /dotted attribute lookup/);
  });

  it('STACK_GLOBAL of strings is judged like GLOBAL; of anything else it is dangerous', async () => {
    const strings = await scan(Buffer.concat([PROTO4, SHORT_BINUNICODE('posix'), SHORT_BINUNICODE('system'), STACK_GLOBAL, STOP]));
    assert.deepEqual([strings.verdict, strings.findings], ['dangerous', [['dangerous', 'global', 'posix.system']]]);
    const computed = await scan(Buffer.concat([PROTO4, NONE, NONE, STACK_GLOBAL, STOP]));
    assert.deepEqual([computed.verdict, computed.findings], ['dangerous', [['dangerous', 'global', '?.?']]]);
    assert.match(computed.messages[0]!, /cannot be resolved statically/);
  });

  it('EXT1, EXT2 and EXT4 import from the copyreg registry and are dangerous', async () => {
    for (const [op, code] of [['\x82\x07', 7], ['\x83\x01\x02', 0x0201], ['\x84\x01\x00\x01\x00', 0x10001]] as const) {
      const r = await scan(pickle(bytes(op), EMPTY_TUPLE, REDUCE, STOP));
      assert.deepEqual([r.verdict, r.findings], ['dangerous', [['dangerous', 'global', `ext:${code}`]]], op);
    }
  });
});

describe('pickle calls', () => {
  it('a call of a value produced by an earlier call is dangerous', async () => {
    const r = await scan(pickle(call('collections', 'OrderedDict'), EMPTY_TUPLE, REDUCE, STOP));
    assert.deepEqual([r.verdict, r.findings], ['dangerous', [['dangerous', 'call', undefined]]]);
    assert.match(r.messages[0]!, /^REDUCE calls a value produced while loading/);
  });

  it('a call of a persistent object is dangerous', async () => {
    const r = await scan(pickle(bytes('P0\n'), EMPTY_TUPLE, REDUCE, STOP));
    assert.deepEqual([r.verdict, r.findings], ['dangerous', [['dangerous', 'call', undefined]]]);
    const bin = await scan(pickle(NONE, bytes('Q'), EMPTY_TUPLE, REDUCE, STOP));
    assert.deepEqual([bin.verdict, bin.findings], ['dangerous', [['dangerous', 'call', undefined]]]);
  });

  it('a call of a plain value that is not a global is suspicious, for every calling opcode', async () => {
    const cases: Array<[string, Buffer]> = [
      ['REDUCE', pickle(SHORT_BINUNICODE('os'), EMPTY_TUPLE, REDUCE, STOP)],
      ['NEWOBJ', pickle(NONE, EMPTY_TUPLE, bytes('\x81'), STOP)],
      ['NEWOBJ_EX', pickle(NONE, EMPTY_TUPLE, EMPTY_DICT, bytes('\x92'), STOP)],
      ['OBJ', pickle(MARK, NONE, bytes('o'), STOP)],
    ];
    for (const [how, data] of cases) {
      const r = await scan(data);
      assert.deepEqual([r.verdict, r.findings], ['suspicious', [['suspicious', 'call', undefined]]], how);
      assert.equal(r.messages[0], `${how} calls a value that is not a global`);
    }
  });

  it('INST imports and calls in one opcode, judged by the import', async () => {
    const r = await scan(pickle(MARK, bytes('iposix\nsystem\n'), STOP));
    assert.deepEqual([r.verdict, r.findings], ['dangerous', [['dangerous', 'global', 'posix.system']]]);
    const ok = await scan(pickle(MARK, bytes('icollections\nOrderedDict\n'), STOP));
    assert.deepEqual([ok.verdict, ok.findings], ['safe', []]);
  });

  it('BUILD on an imported global rewrites it and is dangerous; on an instance it is state', async () => {
    const r = await scan(pickle(GLOBAL('collections', 'OrderedDict'), EMPTY_DICT, BUILD, STOP));
    assert.deepEqual([r.verdict, r.findings], ['dangerous', [['dangerous', 'build', 'collections.OrderedDict']]]);
    const state = await scan(pickle(call('collections', 'OrderedDict'), EMPTY_DICT, BUILD, STOP));
    assert.deepEqual([state.verdict, state.findings], ['safe', []]);
  });

  it('a joblib array wrapper without a shape or dtype makes the rest unscannable', async () => {
    const r = await scan(pickle(call('joblib.numpy_pickle', 'NumpyArrayWrapper'), EMPTY_DICT, BUILD, STOP));
    assert.deepEqual([r.verdict, r.format, r.findings], ['unscannable', 'joblib', [['unscannable', 'malformed', undefined]]]);
  });
});

describe('malformed pickles: a finding, and the walk goes on where it can', () => {
  const PAYLOAD = call('posix', 'system');
  // The loader raises at each of these, but the next opcode is known: another loader may accept the bytes.
  const faults: Array<[string, Buffer, RegExp]> = [
    ['a memo read before it was written', bytes('h\x05'), /memo key 5 read before it was written/],
    ['POP_MARK without MARK', bytes('1'), /MARK expected/],
    ['OBJ without a class', Buffer.concat([MARK, bytes('o')]), /OBJ without a class/],
    ['an unquoted STRING', bytes('Sabc\n'), /not quoted/],
    ['a bad INT literal', bytes('I12x\n'), /INT argument "12x" is not an integer literal/],
    ['a LONG literal Python refuses', bytes('L010L\n'), /LONG argument "010L" is not an integer literal/],
    ['a bad float literal', bytes('Fabc\n'), /bad float literal/],
    ['a memo key that is not decimal', Buffer.concat([NONE, bytes('p0x1\n')]), /memo key "0x1" is not a decimal integer/],
    ['an unknown protocol', bytes('\x80\x09'), /unsupported pickle protocol 9/],
    ['a \\U escape past U+10FFFF', bytes("S'\\U00110000'\n"), /is not a Unicode character/],
    ['a stack underflow', bytes('0'), /stack underflow/],
  ];
  for (const [what, op, message] of faults) {
    it(`${what} is suspicious (malformed), and a payload after it is still dangerous`, async () => {
      const alone = await scan(pickle(op, NONE, STOP));
      assert.equal(alone.verdict, 'suspicious');
      assert.ok(alone.findings.every(([severity, kind]) => severity === 'suspicious' && kind === 'malformed'), JSON.stringify(alone.findings));
      assert.ok(alone.messages.some((m) => message.test(m) && /the loader fails here/.test(m)), alone.messages.join('\n'));
      const then = await scan(pickle(op, PAYLOAD, STOP));
      assert.equal(then.verdict, 'dangerous', what);
      assert.ok(then.findings.some(([s, k, name]) => s === 'dangerous' && k === 'global' && name === 'posix.system'), what);
    });
  }

  it('STOP on an empty stack is suspicious (malformed)', async () => {
    const r = await scan(pickle(STOP));
    assert.deepEqual([r.verdict, r.findings], ['suspicious', [['suspicious', 'malformed', undefined]]]);
    assert.match(r.messages[0]!, /stack underflow/);
  });

  it('a stream without STOP is suspicious (malformed)', async () => {
    const r = await scan(pickle(NONE));
    assert.deepEqual([r.verdict, r.findings], ['suspicious', [['suspicious', 'malformed', undefined]]]);
    assert.match(r.messages[0]!, /ends before STOP/);
  });

  it('an opcode the scanner does not model ends the walk as unscannable, keeping what came before', async () => {
    const r = await scan(pickle(bytes('\xff'), PAYLOAD, STOP));
    assert.deepEqual([r.verdict, r.findings], ['unscannable', [['unscannable', 'malformed', undefined]]]);
    assert.match(r.messages[0]!, /opcode 0xff is not one the scanner models.*the rest of the stream was not scanned/);
    const before = await scan(pickle(PAYLOAD, bytes('\xff'), STOP));
    assert.deepEqual([before.verdict, before.findings], ['dangerous', [['dangerous', 'global', 'posix.system'], ['unscannable', 'malformed', undefined]]]);
  });

  it('a negative length cannot be walked past: unscannable', async () => {
    const r = await scan(pickle(bytes('T\xff\xff\xff\xff'), PAYLOAD, STOP));
    assert.deepEqual([r.verdict, r.findings], ['unscannable', [['unscannable', 'malformed', undefined]]]);
    assert.match(r.messages[0]!, /negative length/);
  });

  it('reads INT and LONG arguments as Python int(text, 0) does, so no literal form hides a payload', async () => {
    // Each form loads under CPython 3.11 (pickle.loads and pickle._loads) to the value named.
    const forms: Array<[string, string]> = [
      ['I0x10\n', '16'], ['I -0x1_0 \n', '-16'], ['I0o10\n', '8'], ['I0b11\n', '3'], ['I1_0\n', '10'], ['I+5\n', '5'], ['I00\n', 'False'],
      ['I99999999999999999999\n', 'a long'], ['L12L\n', '12'], ['L0x10L\n', '16'], ['L 1_2 L\n', '12'], ['L0o7\n', '7'],
    ];
    for (const [arg] of forms) {
      const alone = await scan(pickle(bytes(arg), STOP));
      assert.deepEqual([alone.verdict, alone.findings], ['safe', []], arg);
      const then = await scan(pickle(bytes(arg), bytes('0'), PAYLOAD, STOP));
      assert.deepEqual([then.verdict, then.findings], ['dangerous', [['dangerous', 'global', 'posix.system']]], arg);
    }
  });

  it('keeps the worst finding as the verdict when the stream has several', async () => {
    const r = await scan(pickle(call('mylib', 'Model'), bytes('0'), call('posix', 'system'), bytes('0'), SHORT_BINUNICODE('x'), EMPTY_TUPLE, REDUCE));
    assert.deepEqual([r.verdict, r.findings], ['dangerous', [['suspicious', 'global', 'mylib.Model'], ['dangerous', 'global', 'posix.system'], ['suspicious', 'call', undefined], ['suspicious', 'malformed', undefined]]]);
  });
});

describe('limits: never safe, never only suspicious', () => {
  const PAYLOAD = call('posix', 'system');
  const NONES = (count: number): Buffer => Buffer.alloc(count, 0x4e);
  // Each hits its limit with small bounds; the real defaults are the same code with larger numbers.
  const limited: Array<[string, Buffer, Partial<ScanLimits>, RegExp]> = [
    ['the opcode budget', pickle(Buffer.from('N0'.repeat(50), 'latin1'), NONE, STOP), { maxOpcodes: 20 }, /more than 20 opcodes/],
    ['the stack depth', pickle(NONES(40), STOP), { maxStackDepth: 10 }, /stack deeper than 10 items/],
    ['the MARK nesting', pickle(Buffer.alloc(40, 0x28), NONE, STOP), { maxStackDepth: 10 }, /more than 10 nested MARKs/],
    ['the line length', pickle(bytes(`S'${'a'.repeat(100)}'\n`), STOP), { maxStringLength: 50 }, /line argument longer than 50 bytes/],
    ['the integer size', pickle(bytes('\x8b\x64\x00\x00\x00'), Buffer.alloc(100), STOP), { maxStringLength: 50 }, /integer of 100 bytes/],
  ];
  for (const [what, data, limits, message] of limited) {
    it(`${what}: unscannable, and dangerous when a dangerous global came before`, async () => {
      const r = await scan(data, limits);
      assert.deepEqual([r.verdict, r.findings], ['unscannable', [['unscannable', 'limit', undefined]]], what);
      assert.match(r.messages[0]!, message);
      const after = await scan(Buffer.concat([data.subarray(0, -1), PAYLOAD, STOP]), limits);
      assert.equal(after.verdict, 'unscannable', `${what}: a payload past the limit`);
      const before = await scan(Buffer.concat([PROTO2, PAYLOAD, bytes('0'), data.subarray(2)]), { ...limits, maxOpcodes: (limits.maxOpcodes ?? 1000) + 4 });
      assert.equal(before.verdict, 'dangerous', `${what}: a payload before the limit`);
    });
  }

  it('a protocol 0 stream, which is text, that hits a limit before its import is unscannable, not a text file', async () => {
    const payload = bytes("cposix\nsystem\n(S'id'\ntR.");
    const cases: Array<[string, Buffer, Partial<ScanLimits>]> = [
      ['MARK nesting', Buffer.concat([Buffer.alloc(40, 0x28), payload]), { maxStackDepth: 10 }],
      ['opcode budget', Buffer.concat([bytes('N0'.repeat(50)), payload]), { maxOpcodes: 20 }],
      ['line length', Buffer.concat([bytes(`S'${'a'.repeat(100)}'\n0`), payload]), { maxStringLength: 50 }],
    ];
    for (const [what, data, limits] of cases) {
      const r = await scan(data, limits);
      assert.deepEqual([r.verdict, r.format], ['unscannable', 'pickle'], what);
    }
  });

  it('at the default limits, 100,001 MARKs before an import do not make the stream a text file', async () => {
    // CPython loads these bytes and calls posix.getcwd; the MARKs run past the default stack depth.
    const r = await scan(Buffer.concat([Buffer.alloc(100_001, 0x28), bytes('cposix\ngetcwd\n)R.')]));
    assert.deepEqual([r.verdict, r.format], ['unscannable', 'pickle']);
  });

  it('past the memo limit the walk goes on: a later payload is dangerous, a call of a dropped entry unscannable', async () => {
    const puts = Buffer.from('N\x94'.repeat(20), 'latin1');
    const r = await scan(pickle(puts, NONE, STOP), { maxMemoEntries: 10 });
    assert.deepEqual([r.verdict, r.findings], ['unscannable', [['unscannable', 'limit', undefined]]]);
    assert.match(r.messages[0]!, /memo larger than 10 entries/);
    const after = await scan(pickle(puts, PAYLOAD, STOP), { maxMemoEntries: 10 });
    assert.deepEqual([after.verdict, after.findings], ['dangerous', [['unscannable', 'limit', undefined], ['dangerous', 'global', 'posix.system']]]);
    const dropped = await scan(pickle(puts, GLOBAL('posix', 'system'), bytes('q\x30'), bytes('0'), bytes('h\x30'), EMPTY_TUPLE, REDUCE, STOP).subarray(0), { maxMemoEntries: 10 });
    assert.equal(dropped.verdict, 'dangerous');
    const hidden = await scan(pickle(puts, bytes('h\x30'), EMPTY_TUPLE, REDUCE, STOP), { maxMemoEntries: 10 });
    assert.deepEqual([hidden.verdict, hidden.findings], ['unscannable', [['unscannable', 'limit', undefined], ['unscannable', 'call', undefined]]]);
  });

  it('the opcode budget is shared by the pickles stacked in one stream', async () => {
    const small = pickle(NONE, STOP);
    const r = await scan(Buffer.concat(Array.from({ length: 10 }, () => small)), { maxOpcodes: 20 });
    assert.equal(r.verdict, 'unscannable');
    assert.match(r.messages.join('\n'), /more than 20 opcodes/);
  });
});

describe('stacked pickles are walked to the end of the bytes', () => {
  const PAYLOAD = call('posix', 'system');
  const BENIGN = pickle(call('collections', 'OrderedDict'), STOP);

  it('a second pickle, with or without PROTO, is judged like the first', async () => {
    const withProto = await scan(Buffer.concat([BENIGN, pickle(PAYLOAD, STOP)]));
    assert.deepEqual([withProto.verdict, withProto.findings], ['dangerous', [['dangerous', 'global', 'posix.system']]]);
    const bare = await scan(Buffer.concat([BENIGN, PAYLOAD, STOP]));
    assert.deepEqual([bare.verdict, bare.findings], ['dangerous', [['dangerous', 'global', 'posix.system']]]);
    const third = await scan(Buffer.concat([BENIGN, BENIGN, BENIGN, PAYLOAD, STOP]));
    assert.equal(third.verdict, 'dangerous');
    const clean = await scan(Buffer.concat([BENIGN, BENIGN, bytes('N.')]));
    assert.deepEqual([clean.verdict, clean.findings], ['safe', []]);
  });

  it('bytes after the last STOP that are no pickle are a finding', async () => {
    for (const tail of [bytes('\xff\xfe junk'), bytes('('), Buffer.alloc(64)]) {
      const r = await scan(Buffer.concat([BENIGN, tail]));
      assert.notEqual(r.verdict, 'safe', JSON.stringify(tail.toString('latin1')));
      assert.ok(r.findings.some(([s, k]) => s === 'suspicious' && k === 'trailing'), JSON.stringify(r.findings));
      assert.match(r.messages.at(-1)!, new RegExp(`^${tail.length} bytes after the last STOP are not a pickle`));
    }
  });

  it('text that starts like a tiny protocol 0 pickle is still text', async () => {
    const r = await scan(bytes('N.B. the weights are in model.safetensors\n'));
    assert.deepEqual([r.verdict, r.format, r.findings], ['safe', 'text', []]);
    const joined = await scan(Buffer.concat([bytes('N.'), PAYLOAD, STOP]));
    assert.equal(joined.verdict, 'dangerous');
  });

  it('a trailing stream that hits a limit before any import is unscannable, not merely trailing', async () => {
    const r = await scan(Buffer.concat([BENIGN, Buffer.alloc(40, 0x28), PAYLOAD, STOP]), { maxStackDepth: 10 });
    assert.equal(r.verdict, 'unscannable');
  });

  it('more pickles than the stacking limit are unscannable', async () => {
    const r = await scan(Buffer.concat([...Array.from({ length: 70 }, () => BENIGN), PAYLOAD, STOP]));
    assert.equal(r.verdict, 'unscannable');
    assert.match(r.messages.join('\n'), /more than 64 pickles stacked/);
  });
});

describe('methods of allowed classes are judged as the method', () => {
  it('a dotted global below an allowlisted class is judged by its full name', async () => {
    const dotted = await scan(pickle(call('numpy', 'ndarray.tofile'), STOP));
    assert.deepEqual([dotted.verdict, dotted.findings], ['suspicious', [['suspicious', 'global', 'numpy.ndarray.tofile']]]);
    const stacked = await scan(Buffer.concat([PROTO4, SHORT_BINUNICODE('numpy.ndarray'), SHORT_BINUNICODE('tofile'), STACK_GLOBAL, EMPTY_TUPLE, REDUCE, STOP]));
    assert.deepEqual([stacked.verdict, stacked.findings], ['suspicious', [['suspicious', 'global', 'numpy.ndarray.tofile']]]);
    const dunder = await scan(pickle(call('numpy', 'ndarray.__reduce__'), STOP));
    assert.deepEqual([dunder.verdict, dunder.findings], ['dangerous', [['dangerous', 'global', 'numpy.ndarray.__reduce__']]]);
  });

  it('getattr on an allowlisted class, called, is dangerous', async () => {
    const getattr = Buffer.concat([GLOBAL('builtins', 'getattr'), GLOBAL('numpy', 'ndarray'), SHORT_BINUNICODE('tofile'), bytes('\x86'), REDUCE, EMPTY_TUPLE, REDUCE]);
    const r = await scan(pickle(getattr, STOP));
    assert.equal(r.verdict, 'dangerous');
    assert.deepEqual(r.findings.map(([s, k, name]) => [s, k, name]), [['dangerous', 'global', 'builtins.getattr'], ['dangerous', 'call', undefined]]);
  });

  it('BUILD state that sets a dunder method on an instance of an allowed class is dangerous', async () => {
    for (const key of ['__setstate__', '__reduce__', '__getattr__']) {
      const dict = Buffer.concat([EMPTY_DICT, SHORT_BINUNICODE(key), NONE, bytes('s')]);
      const plain = await scan(pickle(call('collections', 'OrderedDict'), dict, BUILD, STOP));
      assert.deepEqual([plain.verdict, plain.findings], ['dangerous', [['dangerous', 'build', key]]], key);
      const slots = await scan(pickle(call('collections', 'OrderedDict'), NONE, dict, bytes('\x86'), BUILD, STOP));
      assert.deepEqual([slots.verdict, slots.findings], ['dangerous', [['dangerous', 'build', key]]], `${key} in slot state`);
    }
    const ordinary = await scan(pickle(call('collections', 'OrderedDict'), EMPTY_DICT, SHORT_BINUNICODE('_private'), NONE, bytes('s'), BUILD, STOP));
    assert.deepEqual([ordinary.verdict, ordinary.findings], ['safe', []]);
  });

  it('a dunder in a BUILD state built by a call, or past the item budget, is still seen', async () => {
    // dict([('__setstate__', None)]) as the state.
    const pairs = Buffer.concat([bytes(']'), SHORT_BINUNICODE('__setstate__'), NONE, bytes('\x86'), bytes('a'), TUPLE1]);
    const built = await scan(pickle(call('collections', 'OrderedDict'), GLOBAL('builtins', 'dict'), pairs, REDUCE, BUILD, STOP));
    assert.deepEqual([built.verdict, built.findings], ['dangerous', [['dangerous', 'build', '__setstate__']]]);
    // A state dict of 100 entries filled past a held-item budget of 50, the dunder key last.
    const fill = Buffer.concat(Array.from({ length: 100 }, (_, i) => Buffer.concat([SHORT_BINUNICODE(`k${i}`), NONE, bytes('s')])));
    const large = await scan(pickle(call('collections', 'OrderedDict'), EMPTY_DICT, fill, SHORT_BINUNICODE('__reduce__'), NONE, bytes('s'), BUILD, STOP), { maxHeldItems: 50 });
    assert.deepEqual([large.verdict, large.findings], ['dangerous', [['dangerous', 'build', '__reduce__']]]);
  });

  it('the dangerous list is checked before the allowlist, so an allow entry cannot vouch for a dangerous name', async () => {
    const policy: ScanPolicy = { ...defaultPolicy, allow: new Map([...defaultPolicy.allow, ['mylib.os.system', { reason: 'mistaken entry' }]]) };
    const path = join(dir, `p${n++}.pkl`);
    writeFileSync(path, pickle(call('mylib', 'os.system'), STOP));
    const r = await scanFile(path, { policy });
    assert.deepEqual([r.verdict, r.findings.map((f) => f.name)], ['dangerous', ['mylib.os.system']]);
    assert.throws(() => extendAllowlist({ 'mylib.os.system': { reason: 'x' } }, 'mallory'), /known to be dangerous/);
  });
});
