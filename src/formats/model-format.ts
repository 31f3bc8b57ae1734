/**
 * Every file format ModelVault names: stable, lower-case identifiers used by detection (stored in
 * manifests), by the scanner's reports and by stored scan evidence.
 */
export const MODEL_FORMATS = [
  'pickle',
  'pytorch',
  'pytorch-legacy',
  'safetensors',
  'onnx',
  'hdf5',
  'keras',
  'keras-h5',
  'gguf',
  'numpy',
  'numpy-npz',
  'joblib',
  'tensorflow-savedmodel',
  'tensorflow-graphdef',
  'tflite',
  'zip',
  'tar',
  'json',
  'yaml',
  'csv',
  'text',
  'parquet',
  'binary',
] as const;

/** A file format recognised from a file's bytes. */
export type ModelFormat = (typeof MODEL_FORMATS)[number];

/** True when `s` names one of the known formats. */
export function isModelFormat(s: unknown): s is ModelFormat {
  return typeof s === 'string' && (MODEL_FORMATS as readonly string[]).includes(s);
}

// Names the scanner used to report, still found in stored scan evidence.
const FORMERLY: Readonly<Record<string, ModelFormat>> = {
  'pytorch-zip': 'pytorch',
  'pytorch-tar': 'pytorch-legacy',
  'keras-zip': 'keras',
  'keras-config': 'json',
  npz: 'numpy-npz',
  npy: 'numpy',
  'tf-savedmodel': 'tensorflow-savedmodel',
  'tf-graphdef': 'tensorflow-graphdef',
};

/** The format a stored name stands for: current names as they are, former spellings mapped, anything else `binary`. */
export function readFormatName(s: unknown): ModelFormat {
  if (isModelFormat(s)) return s;
  return (typeof s === 'string' ? FORMERLY[s] : undefined) ?? 'binary';
}

/** The framework (or runtime) a file format implies, as used in metadata's `framework` field. */
export type Framework = 'pytorch' | 'onnx' | 'tensorflow' | 'keras' | 'scikit-learn' | 'ggml' | 'numpy' | 'safetensors';

const FRAMEWORKS: Partial<Record<ModelFormat, Framework>> = {
  pytorch: 'pytorch',
  'pytorch-legacy': 'pytorch',
  onnx: 'onnx',
  'tensorflow-savedmodel': 'tensorflow',
  tflite: 'tensorflow',
  keras: 'keras',
  'keras-h5': 'keras',
  'tensorflow-graphdef': 'tensorflow',
  joblib: 'scikit-learn',
  gguf: 'ggml',
  numpy: 'numpy',
  'numpy-npz': 'numpy',
  safetensors: 'safetensors',
};

/**
 * The framework hint for a format, or undefined when the bytes do not imply one
 * (a raw pickle or an HDF5 file can come from many libraries).
 */
export function frameworkOf(format: ModelFormat): Framework | undefined {
  return FRAMEWORKS[format];
}
