import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import ort from 'onnxruntime-node';
import { bufferedSource, bufferSource, PbError, walkFields, type ByteSource } from '../../src/formats/containers/index.ts';
import { readOnnxSignature } from '../../src/formats/index.ts';

const FIXTURES = new URL('../fixtures/signature/', import.meta.url);
const fixture = (name: string): string => new URL(name, FIXTURES).pathname;
const signatureOf = (name: string) => readOnnxSignature(bufferSource(readFileSync(fixture(name))));

// A protobuf writer just big enough to build ModelProtos by hand.
function varint(n: number | bigint): Buffer {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? b | 0x80 : b);
  } while (v > 0n);
  return Buffer.from(out);
}
const int = (num: number, n: number | bigint): Buffer => Buffer.concat([varint(num << 3), varint(n)]);
const bytes = (num: number, b: Buffer | string): Buffer => {
  const payload = typeof b === 'string' ? Buffer.from(b) : b;
  return Buffer.concat([varint((num << 3) | 2), varint(payload.length), payload]);
};
const msg = (num: number, ...fields: Buffer[]): Buffer => bytes(num, Buffer.concat(fields));
const dim = (d: number | bigint | string | null): Buffer => msg(1, ...(d === null ? [] : typeof d === 'string' ? [bytes(2, d)] : [int(1, d)]));
const tensorType = (elem: number, dims: (number | bigint | string | null)[] | null): Buffer => msg(1, int(1, elem), ...(dims === null ? [] : [msg(2, ...dims.map(dim))]));
const valueInfo = (num: 11 | 12, name: string, type: Buffer): Buffer => msg(num, bytes(1, name), bytes(2, type));

/** A source that counts the bytes read through it. */
function counting(src: ByteSource): ByteSource & { bytesRead: number } {
  const c = {
    size: src.size,
    bytesRead: 0,
    read(offset: number, length: number): Buffer {
      const b = src.read(offset, length);
      c.bytesRead += b.length;
      return b;
    },
  };
  return c;
}

describe('ONNX signature', () => {
  it('reads names, element types and shapes, keeping symbolic dimensions and unknown ones as null', () => {
    assert.deepEqual(signatureOf('classifier.onnx'), {
      inputs: [
        { name: 'features', dtype: 'float32', shape: ['batch', 4] },
        { name: 'amount', dtype: 'float32', shape: ['batch', 1] },
      ],
      outputs: [
        { name: 'label', dtype: 'int64', shape: ['batch'] },
        { name: 'probabilities', dtype: 'float32', shape: ['batch', null] },
      ],
    });
  });

  it('leaves out graph inputs an initializer feeds (the weights W of classifier.onnx)', () => {
    const names = signatureOf('classifier.onnx').inputs.map((t) => t.name);
    assert.equal(names.includes('W'), false);
    assert.equal(readFileSync(fixture('classifier.onnx')).includes(Buffer.from('W')), true, 'the fixture lists W as a graph input');
  });

  it('reads each variant: a removed input, a float64 input, an added output, a sequence of maps', () => {
    assert.deepEqual(signatureOf('classifier-no-amount.onnx').inputs.map((t) => t.name), ['features']);
    assert.equal(signatureOf('classifier-float64.onnx').inputs[0]!.dtype, 'float64');
    assert.deepEqual(signatureOf('classifier-more-outputs.onnx').outputs.at(-1), { name: 'logits', dtype: 'float32', shape: ['batch', 2] });
    assert.deepEqual(signatureOf('classifier-zipmap.onnx').outputs[1], { name: 'scores', dtype: 'sequence(map(int64,float32))', shape: null });
  });

  it('agrees with onnxruntime on the names, types and declared shapes of every fixture', async () => {
    for (const name of ['classifier.onnx', 'classifier-no-amount.onnx', 'classifier-float64.onnx', 'classifier-more-outputs.onnx', 'classifier-zipmap.onnx']) {
      const session = await ort.InferenceSession.create(fixture(name), { logSeverityLevel: 3 });
      const ours = signatureOf(name);
      for (const [mine, theirs] of [[ours.inputs, session.inputMetadata], [ours.outputs, session.outputMetadata]] as const) {
        assert.deepEqual(mine.map((t) => t.name), theirs.map((m) => m.name), name);
        for (const [i, m] of theirs.entries()) {
          if (!m.isTensor) continue;
          assert.equal(mine[i]!.dtype, m.type, `${name} ${m.name}`);
          // onnxruntime fills in what its shape inference finds where the model declares an unknown dimension.
          assert.deepEqual(mine[i]!.shape!.map((d, j) => d ?? m.shape[j]), m.shape, `${name} ${m.name}`);
        }
      }
      await session.release();
    }
  });

  it('walks past large weights without reading them, whatever the order of their fields', () => {
    const weights = Buffer.alloc(8 << 20, 7);
    const model = Buffer.concat([
      int(1, 8),
      msg(
        7,
        // raw_data (9) before name (8): the name is found by skipping the data.
        msg(5, int(1, 1024), int(1, 2048), int(2, 1), bytes(9, weights), bytes(8, 'W')),
        valueInfo(11, 'x', tensorType(1, ['n', 1024])),
        valueInfo(11, 'W', tensorType(1, [1024, 2048])),
        valueInfo(12, 'y', tensorType(7, ['n', -3n, 2 ** 60, null])),
      ),
    ]);
    const src = counting(bufferSource(model));
    const s = readOnnxSignature(src);
    assert.deepEqual(s.inputs, [{ name: 'x', dtype: 'float32', shape: ['n', 1024] }]);
    // A negative or unsafe size is no size a caller can rely on.
    assert.deepEqual(s.outputs, [{ name: 'y', dtype: 'int64', shape: ['n', null, null, null] }]);
    assert.ok(src.bytesRead < 64 * 1024 * 4, `read ${src.bytesRead} of ${model.length} bytes`);
  });

  it('reads types without a shape as unknown rank, and composite types', () => {
    const seq = msg(4, bytes(1, tensorType(9, [3])));
    const map = msg(5, int(1, 8), bytes(2, tensorType(1, null)));
    const opt = msg(9, bytes(1, tensorType(6, ['b'])));
    const sparse = msg(8, int(1, 1), msg(2, dim(10), dim(10)));
    const model = Buffer.concat([int(1, 8), msg(7, valueInfo(11, 'a', tensorType(1, null)), valueInfo(11, 'b', seq), valueInfo(11, 'c', map), valueInfo(11, 'd', opt), valueInfo(12, 'e', sparse), msg(12, bytes(1, 'f')))]);
    assert.deepEqual(readOnnxSignature(bufferSource(model)), {
      inputs: [
        { name: 'a', dtype: 'float32', shape: null },
        { name: 'b', dtype: 'sequence(bool)', shape: null },
        { name: 'c', dtype: 'map(string,float32)', shape: null },
        { name: 'd', dtype: 'optional(int32)', shape: ['b'] },
      ],
      outputs: [
        { name: 'e', dtype: 'sparse(float32)', shape: [10, 10] },
        { name: 'f', dtype: 'undefined', shape: null },
      ],
    });
  });

  it('leaves out inputs a sparse initializer feeds', () => {
    const sparseInit = msg(15, msg(1, int(2, 1), bytes(8, 'S')), msg(2, int(1, 0)));
    const model = Buffer.concat([int(1, 8), msg(7, sparseInit, valueInfo(11, 'S', tensorType(1, [4])), valueInfo(11, 'x', tensorType(1, [4])))]);
    assert.deepEqual(readOnnxSignature(bufferSource(model)).inputs.map((t) => t.name), ['x']);
  });

  it('throws PbError for a model without a graph, a truncated model and garbage', () => {
    assert.throws(() => readOnnxSignature(bufferSource(int(1, 8))), (e) => e instanceof PbError && /no graph/.test(e.message));
    const whole = readFileSync(fixture('classifier.onnx'));
    assert.throws(() => readOnnxSignature(bufferSource(whole.subarray(0, whole.length - 40))), PbError);
    assert.throws(() => readOnnxSignature(bufferSource(Buffer.from([0x08, 0x08, 0x3a, 0xff, 0xff, 0xff, 0xff, 0x0f]))), /past the end/);
    assert.throws(() => readOnnxSignature(bufferSource(Buffer.from([0x0f]))), /unsupported wire type/);
  });

  it('never fails with anything but PbError, on random bytes or a fixture cut or flipped anywhere (property)', () => {
    const whole = readFileSync(fixture('classifier-zipmap.onnx'));
    const onlyPbError = (buf: Buffer): void => {
      try {
        readOnnxSignature(bufferSource(buf));
      } catch (err) {
        assert.ok(err instanceof PbError, String(err));
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (b) => onlyPbError(Buffer.from(b))));
    fc.assert(
      fc.property(fc.nat(whole.length - 1), fc.nat(255), fc.boolean(), (at, value, cut) => {
        const b = Buffer.from(whole);
        if (cut) onlyPbError(b.subarray(0, at));
        else {
          b[at] = value;
          onlyPbError(b);
        }
      }),
    );
  });
});

describe('walkFields and bufferedSource', () => {
  it('yields every field with its offsets, reading only the bytes asked for', () => {
    const buf = Buffer.concat([int(1, 300), bytes(2, 'hello'), bytes(3, 'skipped'), Buffer.from([0x25, 1, 2, 3, 4])]);
    const fields = [...walkFields(bufferSource(buf), 0, buf.length, (n) => n === 2)];
    assert.deepEqual(fields.map((f) => [f.num, f.wire, f.int, f.bytes?.toString(), f.length]), [
      [1, 0, 300n, undefined, undefined],
      [2, 2, undefined, 'hello', 5],
      [3, 2, undefined, undefined, 7],
      [4, 5, undefined, undefined, undefined],
    ]);
    assert.equal(fields[2]!.dataOffset, 3 + 7 + 2);
  });

  it('refuses a field larger than it may read, and a message past the end of the source', () => {
    const buf = bytes(2, Buffer.alloc(100));
    assert.throws(() => [...walkFields(bufferSource(buf), 0, buf.length, () => true, 50)], /holds 100 bytes, more than the 50 read/);
    assert.throws(() => [...walkFields(bufferSource(buf), 0, buf.length + 1, () => false)], /past the end of the file/);
  });

  it('answers reads from its chunk and reads through for larger ones, with the same bytes as the source', () => {
    const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
    const inner = counting(bufferSource(data));
    const src = bufferedSource(inner, 100);
    assert.deepEqual(src.read(10, 5), data.subarray(10, 15));
    assert.deepEqual(src.read(50, 20), data.subarray(50, 70));
    assert.equal(inner.bytesRead, 100, 'the second read came from the chunk');
    assert.deepEqual(src.read(95, 10), data.subarray(95, 105));
    assert.deepEqual(src.read(300, 400), data.subarray(300, 700));
    assert.deepEqual(src.read(990, 50), data.subarray(990, 1000));
  });
});
