import { createRequire } from 'node:module';
import type * as Ort from 'onnxruntime-node';
import { ModelVaultError } from '../core/errors.ts';

/** The onnxruntime-node module. */
export type OrtModule = typeof Ort;

/** A tensor a model takes or returns, as onnxruntime reports it (`-1` or a name for a dynamic dimension). */
export interface TensorInfo {
  name: string;
  type: string;
  shape: (number | string)[];
}

/** A loaded model. */
export interface ModelSession {
  ort: OrtModule;
  session: Ort.InferenceSession;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  release(): Promise<void>;
}

// An Identity graph on one float: loading it once starts onnxruntime's environment (thread pools, allocators),
// so the first model measured in a process is not charged for that.
const WARM_UP_MODEL = 'CAg6OgoQCgF4EgF5IghJZGVudGl0eRIEd2FybVoPCgF4EgoKCAgBEgQKAggBYg8KAXkSCgoICAESBAoCCAFCBAoAEA0=';

let loaded: Promise<OrtModule> | undefined;

/** Loads onnxruntime (a large native library) on first use and starts its environment. */
export function loadOrt(): Promise<OrtModule> {
  loaded ??= (async () => {
    // Through require: an import of this CommonJS package first has its files scanned for export names.
    const ort = createRequire(import.meta.url)('onnxruntime-node') as OrtModule;
    const warm = await ort.InferenceSession.create(Buffer.from(WARM_UP_MODEL, 'base64'));
    await warm.run({ x: new ort.Tensor('float32', new Float32Array([0]), [1]) });
    await warm.release();
    return ort;
  })();
  return loaded;
}

function describe(names: readonly string[], meta: readonly Ort.InferenceSession.ValueMetadata[]): TensorInfo[] {
  return names.map((name, i) => {
    const m = meta[i] as { isTensor: boolean; type?: string; shape?: readonly (number | string)[] } | undefined;
    return { name, type: m?.isTensor ? (m.type ?? 'unknown') : 'non-tensor', shape: m?.isTensor ? [...(m.shape ?? [])] : [] };
  });
}

/** Loads an ONNX model from its bytes; a model onnxruntime refuses is `validation_failed` naming `where`. */
export async function openSession(bytes: Uint8Array, where: string): Promise<ModelSession> {
  const ort = await loadOrt();
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes);
  } catch (err) {
    throw new ModelVaultError('validation_failed', `${where}: onnxruntime cannot load the model: ${(err as Error).message.split('\n')[0]}`, {
      file: where,
      hint: 'check that the file is a complete ONNX model with its weights inside (external data files are not supported) and an opset onnxruntime supports',
    }, { cause: err });
  }
  return {
    ort,
    session,
    inputs: describe(session.inputNames, session.inputMetadata),
    outputs: describe(session.outputNames, session.outputMetadata),
    release: () => session.release(),
  };
}
