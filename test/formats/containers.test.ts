import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  bufferSource, isTarHeader, listTarEntries, listZipEntries, parseMessage, parseMessageHead, PbError, runPickle, windowSource,
  type PickleContext,
} from '../../src/formats/containers/index.ts';
import { detectFileFormat, detectFormat, readFormatName } from '../../src/formats/index.ts';
import { scanFile } from '../../src/scan/index.ts';

const FIXTURES = new URL('../fixtures/formats/', import.meta.url);
const fixture = (name: string): string => new URL(name, FIXTURES).pathname;
const dir = mkdtempSync(join(tmpdir(), 'mv-containers-'));
let n = 0;
function file(bytes: Buffer, name = `f${n++}`): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** A one-member tar: header, data padded to a block, two zero blocks; `sum` picks how the checksum is written. */
function tar(name: string, data: Buffer, opts: { sum?: 'unsigned' | 'signed' | 'wrong'; magic?: boolean } = {}): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 'latin1');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.write('00000000000\0', 136, 'latin1');
  h[156] = 0x30;
  if (opts.magic !== false) h.write('ustar\x0000', 257, 'latin1');
  h.fill(0x20, 148, 156);
  let unsigned = 0;
  let signed = 0;
  for (const b of h) {
    unsigned += b;
    signed += b >= 128 ? b - 256 : b;
  }
  const sum = opts.sum === 'signed' ? signed : opts.sum === 'wrong' ? unsigned + 1 : unsigned;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([h, data, pad, Buffer.alloc(1024)]);
}

const PLAIN = Buffer.from('weights of a tiny model\n');

describe('tar headers: the checksum rule of GNU tar and Python tarfile, shared by detection and scanning', () => {
  it('a correct unsigned checksum is a tar for both', async () => {
    const bytes = tar('model.txt', PLAIN);
    assert.equal(await detectFileFormat(file(bytes)), 'tar');
    assert.equal((await scanFile(file(bytes))).format, 'tar');
  });

  it('a signed-char checksum (Sun and NeXT tars) is accepted when the header has high-bit bytes', async () => {
    const bytes = tar('mod\u00e8le.txt', PLAIN, { sum: 'signed' });
    assert.equal(isTarHeader(bytes.subarray(0, 512)), true);
    assert.equal(await detectFileFormat(file(bytes)), 'tar');
    assert.equal((await scanFile(file(bytes))).format, 'tar');
  });

  it('a v7 header without the ustar magic is a tar, as tarfile opens it', async () => {
    const bytes = tar('model.txt', PLAIN, { magic: false });
    assert.equal(await detectFileFormat(file(bytes)), 'tar');
    assert.equal((await scanFile(file(bytes))).format, 'tar');
  });

  it('a bad checksum is no tar for detection and scanning alike', async () => {
    const bytes = tar('model.txt', PLAIN, { sum: 'wrong' });
    assert.equal(isTarHeader(bytes.subarray(0, 512)), false);
    const detected = await detectFileFormat(file(bytes));
    const scanned = await scanFile(file(bytes));
    assert.equal(detected, 'binary');
    assert.equal(scanned.format, detected);
    assert.notEqual(scanned.verdict, 'safe');
  });

  it('a torch legacy tar needs storages, tensors and pickle', () => {
    const names = (bytes: Buffer): string[] => listTarEntries(bufferSource(bytes), 10).entries.map((e) => e.name);
    const three = Buffer.concat(['storages', 'tensors', 'pickle'].map((m) => tar(m, PLAIN).subarray(0, 1024)));
    assert.deepEqual(names(three), ['storages', 'tensors', 'pickle']);
    assert.equal(detectFormat(three, { path: 'x', size: three.length }), 'pytorch-legacy');
    const two = Buffer.concat(['storages', 'pickle'].map((m) => tar(m, PLAIN).subarray(0, 1024)));
    assert.equal(detectFormat(two, { path: 'x', size: two.length }), 'tar');
  });

  it('a member running past the end is reported truncated', () => {
    const bytes = tar('model.txt', Buffer.alloc(2000));
    const r = listTarEntries(bufferSource(bytes.subarray(0, 1024)), 10);
    assert.deepEqual(r, { entries: [], truncated: true, limited: false });
  });
});

describe('the scanner reports the names detection stores', () => {
  for (const name of ['state_dict.pt', 'state_dict_legacy.pt', 'torch_tar_legacy.pt', 'object_p4.pkl', 'logreg.joblib', 'array.npy', 'arrays.npz', 'tiny.keras',
    'matmul.onnx', 'tiny.safetensors', 'tiny.gguf', 'bundle.tar', 'bundle.zip', 'saved_model/saved_model.pb', 'config.json']) {
    it(name, async () => {
      assert.equal((await scanFile(fixture(name))).format, await detectFileFormat(fixture(name)));
    });
  }
});

describe('windowSource', () => {
  const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i % 251) + 1));
  const src = windowSource(bytes.length, [{ offset: 0, bytes: bytes.subarray(0, 100) }, { offset: bytes.length - 100, bytes: bytes.subarray(-100) }]);

  it('gives known bytes, zeros for a short gap before a window, and stops before a long gap', () => {
    assert.deepEqual(src.read(10, 20), bytes.subarray(10, 30));
    assert.deepEqual(src.read(50, 200), bytes.subarray(50, 100));
    const tail = src.read(bytes.length - 150, 150);
    assert.deepEqual(tail, Buffer.concat([Buffer.alloc(50), bytes.subarray(-100)]));
    assert.equal(src.read(150_000, 100).length, 0);
  });

  it('never returns more than asked, and every non-zero byte is the file byte', () => {
    fc.assert(
      fc.property(fc.nat({ max: 300_100 }), fc.nat({ max: 200_000 }), (offset, length) => {
        const got = src.read(offset, length);
        assert.ok(got.length <= length);
        for (let i = 0; i < got.length; i++) if (got[i] !== 0) assert.equal(got[i], bytes[offset + i]);
      }),
    );
  });
});

describe('zip reader', () => {
  it('a local header whose name is cut off is no member', () => {
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 26);
    const bytes = Buffer.concat([h, Buffer.from('archive/da')]);
    assert.deepEqual(listZipEntries(bufferSource(bytes), 10).entries, []);
  });

  it('never throws on arbitrary bytes behind a zip signature', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1024 }), fc.nat({ max: 20 }), (rest, max) => {
        const bytes = Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.from(rest)]);
        const { entries } = listZipEntries(bufferSource(bytes), max);
        assert.ok(entries.length <= Math.max(max, 1));
      }),
      { numRuns: 500 },
    );
  });
});

describe('protobuf reader', () => {
  const message = Buffer.from([0x08, 0x07, 0x12, 0x03, 0x61, 0x62, 0x63, 0x18, 0x01]); // 1: 7, 2: "abc", 3: 1

  it('reads a head, flagging the field the head ends inside', () => {
    const fields = parseMessageHead(message.subarray(0, 5), message.length);
    assert.deepEqual(fields.map((f) => [f.num, f.cut ?? false]), [[1, false], [2, true]]);
    assert.deepEqual(fields[1]?.bytes, Buffer.from('a'));
  });

  it('refuses a length past the end of the message, in a head as in a whole message', () => {
    const long = Buffer.from([0x12, 0x10, 0x61]);
    assert.throws(() => parseMessage(long), PbError);
    assert.throws(() => parseMessageHead(long, 10), PbError);
    assert.equal(parseMessageHead(long, 18).at(-1)?.cut, true);
  });

  it('a head of a well-formed message lists a prefix of its fields', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(), (bytes, at) => {
        const buf = Buffer.from(bytes);
        let whole;
        try {
          whole = parseMessage(buf);
        } catch (err) {
          assert.ok(err instanceof PbError);
          return;
        }
        const head = parseMessageHead(buf.subarray(0, at % (buf.length + 1)), buf.length);
        assert.ok(head.length <= whole.length);
        head.forEach((f, i) => {
          assert.equal(f.num, whole[i]?.num);
          assert.equal(f.offset, whole[i]?.offset);
          if (!f.cut) assert.deepEqual(f.bytes, whole[i]?.bytes);
        });
      }),
      { numRuns: 2000 },
    );
  });
});

describe('pickle machine', () => {
  const ctx: PickleContext = {
    limits: { maxOpcodes: 10_000, maxMemoEntries: 1000, maxStackDepth: 1000, maxStringLength: 1 << 16, maxHeldStringBytes: 1 << 16, maxHeldItems: 1000 },
    classify: (module, name) => ({ severity: 'info', name: `${module}.${name}`, reason: 'test' }),
  };
  const run = (bytes: Buffer, size = bytes.length) => runPickle(windowSource(size, [{ offset: 0, bytes }]), 0, ctx);

  it('tells a complete stream, one cut by the file end, one cut by the source, and a malformed one apart', () => {
    const p = Buffer.from('\x80\x02K\x05.', 'latin1');
    assert.deepEqual([run(p).status, run(p).protocol], ['complete', 2]);
    assert.equal(run(p.subarray(0, 3)).status, 'truncated');
    assert.equal(run(p.subarray(0, 3), p.length).status, 'unread');
    assert.equal(run(Buffer.from('\x80\x02\xff.', 'latin1')).status, 'halted');
  });

  it('a stream walked past a point where the loader fails is halted, even when it goes on to STOP or to the end of the head', () => {
    const faulted = Buffer.from('\x80\x02h\x05N.', 'latin1');
    assert.deepEqual([run(faulted).status, run(faulted).complete], ['halted', true]);
    assert.equal(run(faulted.subarray(0, 5), faulted.length).status, 'halted');
    assert.equal(run(faulted.subarray(0, 5)).status, 'halted');
  });

  it('a \\U escape past U+10FFFF and a float Python cannot parse are malformed, not crashes', () => {
    for (const s of ["S'\\U00110000'\n.", 'V\\UFFFFFFFF\n.', 'Fabc\n.']) {
      const r = run(Buffer.from(s, 'latin1'));
      assert.equal(r.status, 'halted', s);
      assert.ok(r.findings.some((f) => f.kind === 'malformed'), s);
    }
    assert.equal(run(Buffer.from('F1.5e3\n.', 'latin1')).status, 'complete');
  });

  it("joblib's old NDArrayWrapper marks the stream as joblib", () => {
    const r = run(Buffer.from('\x80\x02cjoblib.numpy_pickle\nNDArrayWrapper\n)\x81.', 'latin1'));
    assert.equal(r.joblib, true);
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.constantFrom('', '\x80\x02', '(', 'S\'', 'V', 'c'), fc.uint8Array({ maxLength: 256 }), fc.nat({ max: 64 }), (prefix, rest, extra) => {
        const bytes = Buffer.concat([Buffer.from(prefix, 'latin1'), Buffer.from(rest)]);
        const r = run(bytes, bytes.length + extra);
        assert.ok(['complete', 'truncated', 'unread', 'halted'].includes(r.status));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('format names in stored data', () => {
  it('reads the former scanner spellings under the current names', () => {
    assert.equal(readFormatName('pytorch-zip'), 'pytorch');
    assert.equal(readFormatName('npz'), 'numpy-npz');
    assert.equal(readFormatName('tf-savedmodel'), 'tensorflow-savedmodel');
    assert.equal(readFormatName('onnx'), 'onnx');
    assert.equal(readFormatName('made-up'), 'binary');
    assert.equal(readFormatName(7), 'binary');
  });

  it('a pickle file keeps scanning as dangerous under its detected name', async () => {
    const p = file(readFileSync(new URL('../fixtures/scan/malicious/pip-main.pkl', import.meta.url)));
    const r = await scanFile(p);
    assert.equal(r.verdict, 'dangerous');
    assert.equal(r.format, await detectFileFormat(p));
  });
});
