import { AnyObject, Closed, DigestText, Str, StringEnum, Type } from '../core/schema.ts';
import { MAX_BATCH_SIZE } from './evaluate-model.ts';
import { DATA_FORMATS } from './data-format.ts';

// The HTTP contract of evaluation and gates. Data travels as a blob the client uploaded first (content-addressed,
// verified by the store, bounded by MAX_DATA_BYTES): the server reads it and runs the stored model itself.

/** Evaluation data: an uploaded blob and its format. */
export const DataBlob = Closed({
  digest: DigestText,
  format: StringEnum(DATA_FORMATS, { description: 'how to read the blob' }),
});

const common = {
  target: Type.Optional(Str(256, { description: 'the target column (default: the metadata `target`)' })),
  baseline: Type.Optional(Str(300, { description: 'a version reference to compare with' })),
  batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BATCH_SIZE, description: 'rows per session.run (default 1024)' })),
  task: Type.Optional(StringEnum(['classification', 'regression'] as const, { description: 'what the model predicts, when metadata and outputs do not tell' })),
};

/** What `POST …/evaluate` takes. */
export const EvaluateBody = Closed({
  data: DataBlob,
  ...common,
  tolerance: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'largest difference between a claimed and a measured metric left unreported (default 0.01)' })),
});

/** What `POST …/gates` takes. */
export const GatesRunBody = Closed({ data: Type.Optional(DataBlob), ...common });

/** An evaluation or gate run as recorded: open-ended JSON (see EvaluationBody and GatesBody). */
export const EvaluationDocument = AnyObject;
