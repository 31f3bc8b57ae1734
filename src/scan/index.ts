export { scanFile, scanPaths, scanStoredFile, type ScanOptions } from './scan-paths.ts';
export { formatScanJson, formatScanSarif, formatScanText, scanExitCode } from './report-format.ts';
export { classifyGlobal, defaultPolicy, extendAllowlist, GLOBAL_NAME_PATTERN, type AllowEntry, type AllowlistExtension, type GlobalVerdict, type ScanPolicy } from './policy.ts';
export { DEFAULT_LIMITS, type FileScanReport, type Finding, type ScanLimits, type ScanReport, type Severity, type Verdict } from './types.ts';
export { policyWith, readAllowlist, registryScanPolicy, type AllowlistEntry, type RegistryScanPolicy } from './allowlist-store.ts';
export { latestScanReport, scanHooks, type ScanHookDeps } from './registry-hooks.ts';
export { ScanService, type ScanApi, type VersionScan } from './scan-service.ts';
export { asScanReport, blockingProblems, describeFinding, SCAN_EVIDENCE_KIND, type ScanEvidenceBody, type ScanProblem, type ScannedFile } from './version-scan.ts';
