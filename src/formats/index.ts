export { MODEL_FORMATS, isModelFormat, frameworkOf, readFormatName } from './model-format.ts';
export type { ModelFormat, Framework } from './model-format.ts';
export { DETECT_WINDOW, detectFormat } from './detect-format.ts';
export type { DetectInfo } from './detect-format.ts';
export { detectFileFormat } from './detect-file-format.ts';
export { detectStoredFormat } from './detect-stored-format.ts';
export { readOnnxSignature, type OnnxSignature } from './onnx-signature.ts';
export { readStoredOnnxSignature } from './stored-signature.ts';
export { PbError } from './containers/index.ts';
