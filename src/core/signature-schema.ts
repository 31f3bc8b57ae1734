import type { ModelSignature, SignatureSpec } from './signature.ts';
import { SIGNATURE_CHANGE_KINDS } from './signature-diff.ts';
import { Closed, Nullable, Str, StringEnum, Type } from './schema.ts';

// JSON Schemas of signatures: `metadata.signature` as people write it (also the `signature` property of
// schemas/model-metadata.schema.json, kept equal by a test), and the stored form the registry returns.

/** A dimension as written: a size, -1 or null when unknown, or a symbolic name such as `batch`. */
const DimSpec = Type.Unsafe<number | string | null>({
  type: ['integer', 'null', 'string'],
  minimum: -1,
  minLength: 1,
  maxLength: 256,
  description: 'a fixed size; -1 or null for an unknown size; or a symbolic name such as batch',
});

/** One tensor of `metadata.signature`. */
export const TensorSpec = Closed({
  name: Str(1024, { minLength: 1 }),
  dtype: Str(128, { minLength: 1, description: 'float32, int64, string, bool, …, or sequence(T), map(K,V), optional(T)' }),
  shape: Type.Optional(Type.Array(DimSpec, { maxItems: 64 })),
  optional: Type.Optional(Type.Boolean({ description: 'an input callers may leave out' })),
  description: Type.Optional(Str(10_000)),
});

/** `metadata.signature`: the model's inputs and outputs, for models whose file the registry cannot read them from. */
export const SignatureSpecSchema = Type.Unsafe<SignatureSpec>(
  Closed(
    { inputs: Type.Array(TensorSpec, { maxItems: 10_000 }), outputs: Type.Array(TensorSpec, { maxItems: 10_000 }) },
    { description: "The model's inputs and outputs; the registry reads them from an ONNX model file itself." },
  ),
);

const Text = Type.String();
const Dim = Type.Unsafe<number | string | null>({ type: ['integer', 'null', 'string'] });

/** One input or output as stored. */
export const TensorSignatureSchema = Closed({ name: Text, dtype: Text, shape: Nullable(Type.Array(Dim)), optional: Type.Optional(Type.Boolean()) });

/** A version's signature as stored: where it was read, its inputs and outputs. */
export const ModelSignatureSchema = Type.Unsafe<ModelSignature>(
  Closed({ source: StringEnum(['onnx', 'metadata']), file: Nullable(Text), inputs: Type.Array(TensorSignatureSchema), outputs: Type.Array(TensorSignatureSchema) }),
);

const Side = Type.Union([Text, Type.Boolean(), Type.Array(Dim), Type.Null()]);

/** One difference between two signatures. */
export const SignatureChangeSchema = Closed({
  side: StringEnum(['input', 'output', 'signature']),
  kind: StringEnum(SIGNATURE_CHANGE_KINDS),
  name: Text,
  renamedTo: Type.Optional(Text),
  before: Type.Optional(Side),
  after: Type.Optional(Side),
  level: StringEnum(['major', 'minor', 'patch']),
  message: Text,
});
