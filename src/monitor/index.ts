export * from './stats/index.ts';
export { conditionVariables, evaluateCondition, parseCondition, type Expr } from './alert-expression.ts';
export { evaluateRules, loadAlertRules, parseAlertRule, type AlertRule, type FiringAlert, type Severity } from './alerts.ts';
export {
  chooseMethod,
  DEFAULT_THRESHOLDS,
  DRIFT_METHODS,
  detectDrift,
  planDrift,
  UNSEEN_CATEGORY_EPSILON,
  type ConcreteMethod,
  type DriftMethod,
  type DriftOptions,
  type DriftResult,
  type FeatureDrift,
  type PlannedFeature,
} from './drift.ts';
export {
  formatMethodSpec,
  MAX_METHOD_SPEC_LENGTH,
  methodOf,
  parseMethodSpec,
  SPEC_TYPES,
  uniformSpec,
  type MethodSpec,
  type MethodSpecSource,
  type SpecType,
} from './method-spec.ts';
export {
  profileColumns,
  quantileSorted,
  reservoirSample,
  type CategoryProfile,
  type Column,
  type Columns,
  type CountedColumn,
  type DriftColumns,
  type FeatureProfile,
  type FeatureType,
  type Histogram,
  type NumericProfile,
  type Profile,
  type ProfileOptions,
  type ValueCounts,
} from './profile.ts';
export { readTable } from '../formats/read-table.ts';
export { defaultMonitoringConfig, loadMonitoringConfig, parseMonitoringConfig, type MonitoringConfig, type WebhookConfig } from './config.ts';
export { decodeProfile, encodeProfile, type ReferenceProfile } from './profile-codec.ts';
export {
  MonitorService,
  parseWindow,
  referenceFromColumns,
  referenceFromFile,
  type DriftReport,
  type HealthReport,
  type MonitorApi,
  type MonitorContext,
  type MonitorRegistry,
  type MonitorUpdate,
  type ObserveResult,
  type ProfileSummary,
} from './service.ts';
export { deliver, signBody, type Delivery } from './webhooks.ts';
