/**
 * Builds the fraud-detector example: a logistic-regression classifier as an ONNX graph, a synthetic
 * evaluation set, its metrics and the metadata that ties them together. Every output is
 * deterministic, so a rebuild reproduces the committed files byte for byte.
 *
 *   npx tsx examples/fraud-detector/build-model.ts [--out DIR]
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import protobuf from 'protobufjs';
import { parseDocument, stringify } from 'yaml';
import { mulberry32 as random } from '../../src/core/random.ts';

/** Model version, as registered; also the ONNX producer_version. */
export const MODEL_VERSION = '1.0.0';
/** Artifact file name, following `{model_name}_{version}_{date}.{ext}`. */
export const MODEL_FILE = 'fraud_detector_1.0.0_20261123.onnx';

/** Input features, in column order of the `features` tensor. */
export const FEATURES = ['amount_log_z', 'merchant_risk', 'hour_of_day_sin', 'velocity_24h_z'] as const;

/**
 * Fixed coefficients, one per feature: large amounts, risky merchants and bursts of activity raise
 * the fraud probability; evening and night hours (negative sine) raise it a little too.
 */
export const WEIGHTS: readonly number[] = [0.9, 2.4, -0.6, 0.8];
/** Intercept: a transaction with average features scores sigmoid(-2.75) ≈ 6 %. */
export const BIAS = -2.75;

const DATASET_NAME = 'card-transactions-synthetic';
const DATASET_VERSION = '2026.11.0';
const EVAL_FILE = 'data/eval.csv';
const EVAL_ROWS = 400;
const EVAL_SEED = 20261123;
const THRESHOLD = 0.5;

// The subset of onnx.proto (proto2) this graph needs, with the field numbers of onnx.proto itself.
const ONNX_SUBSET = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            ir_version: { type: 'int64', id: 1 },
            producer_name: { type: 'string', id: 2 },
            producer_version: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            model_version: { type: 'int64', id: 5 },
            doc_string: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            opset_import: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
          },
        },
        OperatorSetIdProto: {
          fields: {
            domain: { type: 'string', id: 1 },
            version: { type: 'int64', id: 2 },
          },
        },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            doc_string: { type: 'string', id: 10 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            op_type: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            doc_string: { type: 'string', id: 6 },
            domain: { type: 'string', id: 7 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            floats: { rule: 'repeated', type: 'float', id: 7 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
            doc_string: { type: 'string', id: 13 },
            type: { type: 'AttributeType', id: 20 },
          },
          nested: {
            AttributeType: { values: { UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            data_type: { type: 'int32', id: 2 },
            float_data: { rule: 'repeated', type: 'float', id: 4, options: { packed: true } },
            name: { type: 'string', id: 8 },
            raw_data: { type: 'bytes', id: 9 },
            doc_string: { type: 'string', id: 12 },
          },
        },
        ValueInfoProto: {
          fields: {
            name: { type: 'string', id: 1 },
            type: { type: 'TypeProto', id: 2 },
            doc_string: { type: 'string', id: 3 },
          },
        },
        TypeProto: {
          fields: {
            tensor_type: { type: 'Tensor', id: 1 },
            denotation: { type: 'string', id: 6 },
          },
          nested: {
            Tensor: {
              fields: {
                elem_type: { type: 'int32', id: 1 },
                shape: { type: 'TensorShapeProto', id: 2 },
              },
            },
          },
        },
        TensorShapeProto: {
          fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dim_value', 'dim_param'] } },
              fields: {
                dim_value: { type: 'int64', id: 1 },
                dim_param: { type: 'string', id: 2 },
                denotation: { type: 'string', id: 3 },
              },
            },
          },
        },
      },
    },
  },
};

const FLOAT = 1; // TensorProto.DataType.FLOAT
const IR_VERSION = 8;
const OPSET = 13;

function floatTensorInfo(name: string, dims: ReadonlyArray<number | string>, doc: string): object {
  return {
    name,
    doc_string: doc,
    type: {
      tensor_type: {
        elem_type: FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  };
}

/** Encodes the classifier, probability = sigmoid(features · W + b), as ONNX ModelProto bytes. */
export function buildModel(): Uint8Array {
  const root = protobuf.Root.fromJSON(ONNX_SUBSET);
  const ModelProto = root.lookupType('onnx.ModelProto');
  const model = {
    ir_version: IR_VERSION,
    producer_name: 'modelvault-examples',
    producer_version: MODEL_VERSION,
    domain: 'dev.modelvault.examples',
    model_version: 1,
    doc_string: 'Logistic-regression card-fraud classifier: probability = sigmoid(features x W + b).',
    opset_import: [{ domain: '', version: OPSET }],
    graph: {
      name: 'fraud_detector',
      doc_string: `features columns: ${FEATURES.join(', ')}`,
      node: [
        { name: 'linear', op_type: 'MatMul', input: ['features', 'W'], output: ['logit_raw'] },
        { name: 'intercept', op_type: 'Add', input: ['logit_raw', 'b'], output: ['logit'] },
        { name: 'link', op_type: 'Sigmoid', input: ['logit'], output: ['probability'] },
      ],
      initializer: [
        { name: 'W', data_type: FLOAT, dims: [FEATURES.length, 1], float_data: [...WEIGHTS] },
        { name: 'b', data_type: FLOAT, dims: [1], float_data: [BIAS] },
      ],
      input: [floatTensorInfo('features', ['N', FEATURES.length], `float32 [N, 4]: ${FEATURES.join(', ')}`)],
      output: [floatTensorInfo('probability', ['N', 1], 'float32 [N, 1]: probability that the transaction is fraudulent')],
    },
  };
  const problem = ModelProto.verify(model);
  if (problem) throw new Error(`onnx.ModelProto: ${problem}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

/** The model's probability for one row, computed in double precision. */
export function scoreRow(row: readonly number[]): number {
  const z = row.reduce((sum, x, i) => sum + x * (WEIGHTS[i] ?? 0), BIAS);
  return 1 / (1 + Math.exp(-z));
}

function normal(next: () => number): number {
  const u = Math.max(next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
}

/** One labelled evaluation row: features rounded as written to CSV, and the label. */
interface Row {
  features: number[];
  label: 0 | 1;
}

/**
 * Synthetic transactions whose labels follow a logistic process close to (not equal to) the model,
 * so the metrics are realistic rather than perfect.
 */
function evaluationRows(): Row[] {
  const next = random(EVAL_SEED);
  const truth = [1.0, 2.1, -0.5, 0.95];
  const truthBias = -2.6;
  const rows: Row[] = [];
  for (let i = 0; i < EVAL_ROWS; i++) {
    const hour = Math.floor(next() * 24);
    const features = [normal(next), next() ** 2, Math.sin((2 * Math.PI * hour) / 24), normal(next)].map((x) => Number(x.toFixed(6)));
    const z = features.reduce((sum, x, j) => sum + x * (truth[j] ?? 0), truthBias) + 0.5 * normal(next);
    rows.push({ features, label: next() < 1 / (1 + Math.exp(-z)) ? 1 : 0 });
  }
  return rows;
}

function round4(x: number): number {
  return Number(x.toFixed(4));
}

/** Area under the ROC curve by the rank-sum (Mann-Whitney) statistic, with ties averaged. */
function rocAuc(scores: number[], labels: number[]): number {
  const order = scores.map((s, i) => ({ s, y: labels[i] ?? 0 })).sort((a, b) => a.s - b.s);
  let rankSum = 0;
  let positives = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && order[j]?.s === order[i]?.s) j++;
    const rank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) {
      if (order[k]?.y !== 1) continue;
      rankSum += rank;
      positives++;
    }
    i = j;
  }
  const negatives = order.length - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Classification metrics of the model on `rows` at the 0.5 threshold. */
function evaluate(rows: Row[]): Record<string, number> {
  const scores = rows.map((r) => scoreRow(r.features));
  const labels = rows.map((r) => r.label);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  scores.forEach((s, i) => {
    const predicted = s >= THRESHOLD;
    const actual = labels[i] === 1;
    if (predicted && actual) tp++;
    else if (predicted) fp++;
    else if (actual) fn++;
    else tn++;
  });
  const precision = tp / (tp + fp);
  const recall = tp / (tp + fn);
  return {
    accuracy: round4((tp + tn) / rows.length),
    precision: round4(precision),
    recall: round4(recall),
    f1_score: round4((2 * precision * recall) / (precision + recall)),
    auc: round4(rocAuc(scores, labels)),
  };
}

function sha256(data: Uint8Array | string): `sha256:${string}` {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Writes the model, evaluation data, metrics, dataset manifest and metadata into `outDir`. */
export async function writeExample(outDir: string): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const model = buildModel();
  const rows = evaluationRows();
  const csv = `${[...FEATURES, 'is_fraud'].join(',')}\n${rows.map((r) => [...r.features, r.label].join(',')).join('\n')}\n`;
  const metrics = evaluate(rows);
  const positives = rows.filter((r) => r.label === 1).length;

  const manifest = stringify({
    name: DATASET_NAME,
    version: DATASET_VERSION,
    description: 'Synthetic card transactions with fraud labels, generated by build-model.ts from a fixed seed.',
    license: 'CC0-1.0',
    generator: { script: 'examples/fraud-detector/build-model.ts', seed: EVAL_SEED },
    files: [{ path: EVAL_FILE, sha256: sha256(csv), rows: rows.length, split: 'evaluation', positives }],
    columns: [...FEATURES, 'is_fraud'],
  });

  const metadata = parseDocument(await readFile(join(here, 'metadata.yaml'), 'utf8'));
  metadata.setIn(['artifacts', 0, 'path'], MODEL_FILE);
  metadata.setIn(['artifacts', 0, 'checksum'], sha256(model));
  metadata.setIn(['training_hash'], sha256(model));
  metadata.setIn(['lineage', 'training_dataset', 'checksum'], sha256(manifest));
  for (const [key, value] of Object.entries(metrics)) metadata.setIn(['metrics', key], value);

  await mkdir(join(outDir, 'data'), { recursive: true });
  await writeFile(join(outDir, MODEL_FILE), model);
  await writeFile(join(outDir, EVAL_FILE), csv);
  await writeFile(join(outDir, 'dataset-manifest.yaml'), manifest);
  await writeFile(join(outDir, 'metrics.json'), `${JSON.stringify({ ...metrics, threshold: THRESHOLD, evaluated_rows: rows.length, dataset: `${DATASET_NAME}@${DATASET_VERSION}` }, null, 2)}\n`);
  await writeFile(join(outDir, 'metadata.yaml'), metadata.toString());
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const flag = process.argv.indexOf('--out');
  const outDir = flag >= 0 ? process.argv[flag + 1] : dirname(fileURLToPath(import.meta.url));
  if (!outDir) {
    process.stderr.write('usage: build-model.ts [--out DIR]\n');
    process.exit(2);
  }
  await writeExample(outDir);
  process.stdout.write(`wrote ${join(outDir, MODEL_FILE)}\n`);
}
