import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { scanFile, type ScanLimits, type Verdict } from '../../src/scan/index.ts';

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

describe('malformed pickles and limits', () => {
  const malformed: Array<[string, Buffer, RegExp]> = [
    ['a stream without STOP', pickle(NONE), /ends before STOP/],
    ['an invalid opcode', pickle(bytes('\xff'), STOP), /invalid opcode 0xff/],
    ['STOP on an empty stack', pickle(STOP), /stack underflow/],
    ['a memo read before it was written', pickle(bytes('h\x05'), STOP), /memo key 5 read before it was written/],
    ['POP_MARK without MARK', pickle(bytes('1'), STOP), /MARK expected/],
    ['OBJ without a class', pickle(MARK, bytes('o'), STOP), /OBJ without a class/],
    ['an unquoted STRING', pickle(bytes('Sabc\n'), STOP), /not quoted/],
    ['a bad INT literal', pickle(bytes('I12x\n'), STOP), /bad integer literal/],
    ['a negative length', pickle(bytes('T\xff\xff\xff\xff'), STOP), /negative length/],
  ];
  for (const [what, data, message] of malformed) {
    it(`${what} is suspicious (malformed)`, async () => {
      const r = await scan(data);
      assert.deepEqual([r.verdict, r.findings], ['suspicious', [['suspicious', 'malformed', undefined]]]);
      assert.match(r.messages[0]!, message);
    });
  }

  it('a stream past a limit is suspicious (limit)', async () => {
    const r = await scan(pickle(Buffer.alloc(40, 0x4e), STOP), { maxStackDepth: 10 });
    assert.deepEqual([r.verdict, r.findings], ['suspicious', [['suspicious', 'limit', undefined]]]);
    assert.match(r.messages[0]!, /stack deeper than 10 items/);
  });

  it('keeps the worst finding as the verdict when the stream has several', async () => {
    const r = await scan(pickle(call('mylib', 'Model'), bytes('0'), call('posix', 'system'), bytes('0'), SHORT_BINUNICODE('x'), EMPTY_TUPLE, REDUCE));
    assert.deepEqual([r.verdict, r.findings], ['dangerous', [['suspicious', 'global', 'mylib.Model'], ['dangerous', 'global', 'posix.system'], ['suspicious', 'call', undefined], ['suspicious', 'malformed', undefined]]]);
  });
});
