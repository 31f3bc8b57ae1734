import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import { ModelVaultError } from '../../src/core/errors.ts';
import {
  DEFAULT_LIMITS, defaultPolicy, extendAllowlist, formatScanJson, formatScanSarif, formatScanText, scanExitCode, scanFile, scanPaths,
} from '../../src/scan/index.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'scan');
const dir = mkdtempSync(join(tmpdir(), 'mv-scan-'));
let n = 0;
function file(bytes: Buffer | string): string {
  const p = join(dir, `f${n++}`);
  writeFileSync(p, bytes);
  return p;
}

function zip(name: string, data: Buffer, raw: Buffer = deflateRawSync(data)): Buffer {
  const nb = Buffer.from(name);
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(8, 8);
  h.writeUInt32LE(raw.length, 18);
  h.writeUInt32LE(data.length, 22);
  h.writeUInt16LE(nb.length, 26);
  return Buffer.concat([h, nb, raw]);
}

const OS_SYSTEM = Buffer.from("\x80\x02cposix\nsystem\nX\x0a\x00\x00\x00echo pwnedq\x00\x85R.", 'latin1');

test('a zip bomb member hits the decompression limit instead of exhausting memory, and is unscannable', async () => {
  const bomb = Buffer.alloc(20 << 20);
  const r = await scanFile(file(zip('archive/data.pkl', bomb)), { limits: { maxDecompressedBytes: 1 << 20 } });
  assert.equal(r.verdict, 'unscannable');
  assert.ok(r.findings.some((f) => f.kind === 'limit' && f.member === 'archive/data.pkl'));
  const gz = await scanFile(file(gzipSync(bomb)), { limits: { maxDecompressedBytes: 1 << 20 } });
  assert.equal(gz.verdict, 'unscannable');
});

test('a huge memo is a limit finding, not a crash, and unscannable', async () => {
  const body = Buffer.concat([Buffer.from([0x80, 4]), Buffer.from('N\x94'.repeat(5000), 'latin1'), Buffer.from('.')]);
  const r = await scanFile(file(body), { limits: { maxMemoEntries: 1000 } });
  assert.equal(r.verdict, 'unscannable');
  assert.ok(r.findings.some((f) => f.kind === 'limit' && /memo/.test(f.message)));
});

/** A zip of stored members, each with its CRC, and no central directory (torch's reader walks local headers). */
function storedZip(members: Array<[string, Buffer]>): Buffer {
  return Buffer.concat(members.map(([name, data]) => {
    const nb = Buffer.from(name);
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt32LE(crc32(data) >>> 0, 14);
    h.writeUInt32LE(data.length, 18);
    h.writeUInt32LE(data.length, 22);
    h.writeUInt16LE(nb.length, 26);
    return Buffer.concat([h, nb, data]);
  }));
}

test('past the default member limit a zip is unscannable; at exactly the limit it is scanned in full', async () => {
  const max = DEFAULT_LIMITS.maxArchiveMembers;
  const empty = (count: number): Array<[string, Buffer]> => Array.from({ length: count }, (_, i) => [`m/${i}`, Buffer.alloc(0)]);
  const over = await scanFile(file(storedZip([...empty(max), ['archive/data.pkl', OS_SYSTEM]])));
  assert.equal(over.verdict, 'unscannable');
  assert.ok(over.findings.some((f) => f.severity === 'unscannable' && f.kind === 'limit' && f.message === `archive has more than ${max} members; the rest were not scanned`));
  const exact = await scanFile(file(storedZip([...empty(max - 1), ['archive/data.pkl', OS_SYSTEM]])));
  assert.equal(exact.verdict, 'dangerous');
  assert.ok(!exact.findings.some((f) => f.kind === 'limit'));
  const before = await scanFile(file(storedZip([['archive/data.pkl', OS_SYSTEM], ...empty(5)])), { limits: { maxArchiveMembers: 3 } });
  assert.equal(before.verdict, 'dangerous');
});

function tar(members: Array<[string, Buffer]>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, data] of members) {
    const h = Buffer.alloc(512);
    h.write(name, 0);
    h.write('0000644\0', 100);
    h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    h.write('0', 156);
    h.write('ustar\x0000', 257, 'latin1');
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  return Buffer.concat([...blocks, Buffer.alloc(1024)]);
}

test('past the member limit a tar is unscannable; at exactly the limit it is scanned in full', async () => {
  const members: Array<[string, Buffer]> = [['a.txt', Buffer.from('a')], ['b.txt', Buffer.from('b')], ['c.pkl', OS_SYSTEM]];
  const over = await scanFile(file(tar(members)), { limits: { maxArchiveMembers: 2 } });
  assert.deepEqual(over.findings.map((f) => [f.severity, f.kind]), [['unscannable', 'limit']]);
  const exact = await scanFile(file(tar(members)), { limits: { maxArchiveMembers: 3 } });
  assert.equal(exact.verdict, 'dangerous');
  assert.ok(!exact.findings.some((f) => f.kind === 'limit'));
});

test('a pickle appended after the storages of a legacy torch file is walked', async () => {
  const legacy = readFileSync(join(FIXTURES, 'benign', 'torch-legacy.pt'));
  assert.equal((await scanFile(file(legacy))).verdict, 'safe');
  const appended = await scanFile(file(Buffer.concat([legacy, OS_SYSTEM])));
  assert.equal(appended.verdict, 'dangerous');
  assert.ok(appended.findings.some((f) => f.name === 'posix.system' && f.offset === legacy.length + 2));
  const junk = await scanFile(file(Buffer.concat([legacy, Buffer.from('\xff\xff', 'latin1')])));
  assert.deepEqual(junk.findings.map((f) => [f.severity, f.kind, f.offset]), [['suspicious', 'trailing', legacy.length]]);
  const cut = await scanFile(file(legacy.subarray(0, legacy.length - 4)));
  assert.equal(cut.verdict, 'unscannable');
});

test('deep MARK nesting and long stacks are bounded', async () => {
  const marks = await scanFile(file(Buffer.concat([Buffer.from([0x80, 2]), Buffer.alloc(1_000_000, 0x28), Buffer.from('.')])));
  assert.ok(marks.findings.some((f) => f.kind === 'limit'));
  const lists = await scanFile(file(Buffer.concat([Buffer.from([0x80, 2]), Buffer.alloc(1_000_000, 0x5d), Buffer.from('.')])));
  assert.ok(lists.findings.some((f) => f.kind === 'limit'));
});

test('the opcode budget is enforced', async () => {
  const r = await scanFile(file(Buffer.concat([Buffer.from([0x80, 2]), Buffer.from('N0'.repeat(10_000), 'latin1'), Buffer.from('N.')])), { limits: { maxOpcodes: 1000 } });
  assert.ok(r.findings.some((f) => f.kind === 'limit' && /opcodes/.test(f.message)));
});

test('archives nested beyond the depth limit are unscannable', async () => {
  let inner = zip('archive/data.pkl', OS_SYSTEM);
  for (let i = 0; i < 6; i++) inner = zip(`level${i}.zip`, inner);
  const r = await scanFile(file(inner));
  assert.equal(r.verdict, 'unscannable');
});

test('every truncation of a malicious pickle keeps the payload finding once the GLOBAL is complete', async () => {
  const globalEnd = OS_SYSTEM.indexOf('system\n') + 7;
  for (let cut = 1; cut < OS_SYSTEM.length; cut++) {
    const r = await scanFile(file(OS_SYSTEM.subarray(0, cut)));
    assert.notEqual(r.verdict, 'safe', `cut at ${cut}`);
    if (cut >= globalEnd) assert.equal(r.verdict, 'dangerous', `cut at ${cut}`);
  }
});

test('truncated fixtures of every benign format never crash and are never safe when the pickle breaks', async () => {
  for (const name of ['sklearn-pipeline.pkl', 'torch-state-dict.pt', 'sklearn-pipeline.joblib', 'model.onnx', 'model.safetensors', 'model.gguf', 'array.npy']) {
    const bytes = readFileSync(join(FIXTURES, 'benign', name));
    for (const cut of [1, 8, 64, Math.floor(bytes.length / 2), bytes.length - 1]) {
      const r = await scanFile(file(bytes.subarray(0, cut)));
      assert.ok(['safe', 'suspicious', 'unscannable', 'dangerous'].includes(r.verdict));
      if (name.endsWith('.pkl') || name.endsWith('.joblib')) assert.notEqual(r.verdict, 'safe', `${name} cut at ${cut}`);
    }
  }
});

function safetensors(header: unknown, data: Buffer): Buffer {
  const h = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  return Buffer.concat([len, h, data]);
}

test('safetensors headers are validated against the data', async () => {
  const ok = safetensors({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, Buffer.alloc(8));
  assert.equal((await scanFile(file(ok))).verdict, 'safe');
  const cases: Array<[string, Buffer]> = [
    ['overlap', safetensors({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, Buffer.alloc(8))],
    ['shape mismatch', safetensors({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, Buffer.alloc(8))],
    ['unknown dtype', safetensors({ a: { dtype: 'F128', shape: [1], data_offsets: [0, 8] } }, Buffer.alloc(8))],
    ['trailing data', safetensors({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, Buffer.alloc(16))],
    ['metadata not strings', safetensors({ __metadata__: { n: 1 }, a: { dtype: 'U8', shape: [1], data_offsets: [0, 1] } }, Buffer.alloc(1))],
  ];
  for (const [what, bytes] of cases) assert.equal((await scanFile(file(bytes))).verdict, 'suspicious', what);
});

test('a safetensors header past the limit and a Keras config nested past the limit are unscannable', async () => {
  const header = await scanFile(file(safetensors({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, Buffer.alloc(8))), { limits: { maxHeaderBytes: 16 } });
  assert.deepEqual(header.findings.map((f) => [f.severity, f.kind]), [['unscannable', 'limit']]);
  let nested: unknown = { class_name: 'Lambda', config: {} };
  for (let i = 0; i < 300; i++) nested = [nested];
  const keras = await scanFile(file(JSON.stringify({ class_name: 'Sequential', config: { layers: [{ class_name: 'Dense', config: {} }, nested] } })));
  assert.equal(keras.verdict, 'unscannable');
  assert.ok(keras.findings.some((f) => f.severity === 'unscannable' && f.kind === 'limit' && /nested/.test(f.message)));
});

/** A protobuf field: varint for numbers, length-delimited for bytes. */
function pb(num: number, value: number | Buffer | string): Buffer {
  const varint = (v: number): Buffer => {
    const out: number[] = [];
    for (; v > 0x7f; v >>>= 7) out.push((v & 0x7f) | 0x80);
    out.push(v);
    return Buffer.from(out);
  };
  if (typeof value === 'number') return Buffer.concat([varint(num << 3), varint(value)]);
  const b = Buffer.from(value);
  return Buffer.concat([varint((num << 3) | 2), varint(b.length), b]);
}

test('ONNX subgraphs nested past the limit are unscannable', async () => {
  // A node of a custom domain at the bottom of 70 graphs, each the `g` attribute of a node of the one above.
  let graph = pb(1, Buffer.concat([pb(4, 'Evil'), pb(7, 'com.example')]));
  for (let i = 0; i < 70; i++) graph = pb(1, Buffer.concat([pb(4, 'If'), pb(5, Buffer.concat([pb(1, 'then_branch'), pb(6, graph)]))]));
  const p = join(dir, 'nested.onnx');
  writeFileSync(p, Buffer.concat([pb(1, 8), pb(7, graph)]));
  const r = await scanFile(p);
  assert.deepEqual([r.format, r.verdict], ['onnx', 'unscannable']);
  assert.ok(r.findings.some((f) => f.severity === 'unscannable' && f.kind === 'limit' && /subgraphs nested deeper than 64/.test(f.message)));
});

test('GGUF counts and lengths must stay inside the file', async () => {
  const good = readFileSync(join(FIXTURES, 'benign', 'model.gguf'));
  const bad = Buffer.from(good);
  bad.writeBigUInt64LE(1n << 40n, 16);
  assert.equal((await scanFile(file(bad))).verdict, 'suspicious');
  const v9 = Buffer.from(good);
  v9.writeUInt32LE(9, 4);
  assert.equal((await scanFile(file(v9))).verdict, 'suspicious');
});

test('ONNX absolute external data is dangerous and malformed protobuf is not safe', async () => {
  const onnx = readFileSync(join(FIXTURES, 'benign', 'model-external.onnx'));
  const abs = Buffer.from(onnx.toString('latin1').replace('weights/w.bin', '/etc/shadow01'), 'latin1');
  assert.equal((await scanFile(file(abs))).verdict, 'dangerous');
  const p = join(dir, 'broken.onnx');
  writeFileSync(p, Buffer.from([0x08, 0x07, 0x3a, 0xff, 0xff, 0x01]));
  assert.notEqual((await scanFile(p)).verdict, 'safe');
});

test('reports render as text, JSON and SARIF, and the exit code follows strictness', async () => {
  const report = await scanPaths([join(FIXTURES, 'malicious', 'pip-main.pkl'), join(FIXTURES, 'benign', 'model.onnx'), join(FIXTURES, 'malicious', 'onnx-custom-domain.onnx')]);
  assert.equal(report.verdict, 'dangerous');
  assert.deepEqual(report.counts, { safe: 1, suspicious: 1, dangerous: 1, unscannable: 0 });
  assert.match(formatScanText(report), /DANGEROUS .*pip-main\.pkl[\s\S]*pip\.main/);
  assert.equal(JSON.parse(formatScanJson(report)).files.length, 3);
  const sarif = JSON.parse(formatScanSarif(report));
  assert.equal(sarif.version, '2.1.0');
  assert.ok(sarif.runs[0].results.some((r: { level: string; message: { text: string } }) => r.level === 'error' && r.message.text.startsWith('pip.main')));
  assert.equal(scanExitCode(report), 1);
  const mild = await scanPaths([join(FIXTURES, 'malicious', 'onnx-custom-domain.onnx')]);
  assert.equal(scanExitCode(mild), 0);
  assert.equal(scanExitCode(mild, { strict: true }), 1);
});

test('directories are walked, symlinks reported without being followed, missing paths are usage errors', async () => {
  const d = mkdtempSync(join(tmpdir(), 'mv-scan-dir-'));
  writeFileSync(join(d, 'a.pkl'), OS_SYSTEM);
  symlinkSync('/etc/passwd', join(d, 'link'));
  const report = await scanPaths([d]);
  assert.deepEqual(report.files.map((f) => [f.path.slice(d.length + 1), f.verdict]), [['a.pkl', 'dangerous'], ['link', 'unscannable']]);
  await assert.rejects(scanPaths([join(d, 'missing')]), ModelVaultError);
  await assert.rejects(scanFile(join(d, 'missing')), ModelVaultError);
});

test('extending the allowlist makes a reviewed global safe and refuses dangerous ones', async () => {
  const p = file(Buffer.from('\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00\x8c\x05mylib\x8c\x05Layer\x93)\x81.', 'latin1'));
  assert.equal((await scanFile(p)).verdict, 'suspicious');
  const policy = extendAllowlist({ 'mylib.Layer': { reason: 'plain class, reviewed' } }, 'alice');
  assert.equal((await scanFile(p, { policy })).verdict, 'safe');
  assert.equal(policy.extensions.at(-1)?.reviewer, 'alice');
  assert.equal(defaultPolicy.allow.has('mylib.Layer'), false);
  assert.throws(() => extendAllowlist({ 'os.system': { reason: 'x' } }, 'mallory'), ModelVaultError);
  assert.throws(() => extendAllowlist({ 'posixpath.os.system': { reason: 'x' } }, 'mallory'), ModelVaultError);
  assert.throws(() => extendAllowlist({ 'mylib.Layer': { reason: '' } }, 'alice'), ModelVaultError);
});
