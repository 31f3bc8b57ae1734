// Evaluation and quality gates: measured on the registry's stored bytes, recorded as registry evidence.
export { checkClaims, DEFAULT_CLAIM_TOLERANCE, type ClaimCheck, type ClaimDifference } from './claims.ts';
export { evaluateModel, MAX_BATCH_SIZE, ModelRunner, type EvaluateModelOptions, type LatencyStats, type ModelEvaluation } from './evaluate-model.ts';
export { latestGateRun, gateHooks } from './gate-hook.ts';
export { defaultGatesConfig, GATE_NAMES, gatesFile, loadGatesConfig, parseGatesConfig, readGatesConfig, type GateName, type GatesConfig } from './gates-config.ts';
export { parseDuration } from '../core/duration.ts';
export type { GateResult, GatesBody } from './gates.ts';
export { binaryMetrics, multiclassMetrics, percentiles, regressionMetrics, rocAuc, type ClassificationMetrics, type RegressionMetrics } from './metrics.ts';
export type { Task, TaskHint, TaskSource } from './model-output.ts';
export { DEFAULT_BATCH_SIZE, EvaluationService, type EvaluateRequest, type EvaluationApi, type EvaluationBody, type EvaluationDeps, type EvaluationReport, type GatesReport, type GatesRequest } from './service.ts';
export { DATA_FORMATS, dataFormatOf, MAX_DATA_BYTES, type DataFormat } from './data-format.ts';
export type { DataRef } from './stored-inputs.ts';
