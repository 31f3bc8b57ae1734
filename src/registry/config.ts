import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { SHA256_HEX_PATTERN } from '../core/digest.ts';
import { ModelVaultError } from '../core/errors.ts';
import { APPROVAL_STAGES } from '../core/lifecycle.ts';
import { isStage, type Stage } from '../core/names.ts';
import type { PolicyOptions } from '../policy/index.ts';
import { defaultAuthConfig, parseAuthConfig, type AuthConfig } from '../auth/index.ts';
import { DEFAULT_SERVER_LIMITS, parseServerLimits, type ServerLimits } from './server-limits.ts';

/** Registry settings read from `config.yaml` in the home. */
export interface RegistryConfig {
  lifecycle: {
    /** Where the previous production version goes when a new one is promoted. */
    demoteProductionTo: Stage;
    /** How many approvals from distinct users other than the pusher a version needs to enter each stage. */
    approvals: ApprovalsConfig;
  };
  policy: {
    requiredFields: string[];
    modelCardSections: Record<string, string[]>;
    namingConvention: 'warn' | 'off';
  };
  log: {
    /** Names the audit log (its key is `modelvault.<origin>`); the host name when unset. */
    origin?: string;
  };
  /** Which scan verdicts refuse a push, and which refuse entering each stage. */
  scan: ScanGateConfig;
  /** Which stages need a signature by a trusted key. */
  signing: SigningConfig;
  /** Who may do what: authentication, roles, single sign-on. */
  auth: AuthConfig;
  /** How long and how slowly clients may send, and how many uploads one user may run at once. */
  server: ServerLimits;
}

/** `lifecycle.approvals` of config.yaml: approvals needed per stage (only production may require them). */
export type ApprovalsConfig = Partial<Record<Stage, number>>;

/** Approvals production needs unless config.yaml says otherwise: the two-person rule. */
export const DEFAULT_PRODUCTION_APPROVALS = 2;
const MAX_APPROVALS = 100;

/** Parses `lifecycle.approvals`: a mapping of approval stages to a count of 0 (none needed) or more. */
function parseApprovals(raw: unknown, file: string): ApprovalsConfig {
  const out: ApprovalsConfig = { production: DEFAULT_PRODUCTION_APPROVALS };
  if (raw === undefined || raw === null) return out;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ModelVaultError('invalid_input', `${file}: lifecycle.approvals must map a stage to the number of approvals it needs`, { path: file, field: 'lifecycle.approvals', hint: 'e.g. approvals: { production: 2 }' });
  }
  for (const [stage, n] of Object.entries(raw)) {
    const field = `lifecycle.approvals.${stage}`;
    if (!(APPROVAL_STAGES as readonly string[]).includes(stage)) {
      throw new ModelVaultError('invalid_input', `${file}: ${field}: approvals can be required for ${APPROVAL_STAGES.join(', ')} only`, { path: file, field, hint: `remove the ${stage} entry` });
    }
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_APPROVALS) {
      throw new ModelVaultError('invalid_input', `${file}: ${field} must be a whole number from 0 to ${MAX_APPROVALS}, not ${JSON.stringify(n)}`, { path: file, field, hint: '0 lets a version in without approvals' });
    }
    out[stage as Stage] = n;
  }
  return out;
}

/** A scan verdict that can refuse a push or a promotion. */
export type BlockingVerdict = 'suspicious' | 'unscannable' | 'dangerous';

/** The `scan:` block of `config.yaml`. */
export interface ScanGateConfig {
  blockPush: BlockingVerdict[];
  blockStage: Record<Stage, BlockingVerdict[]>;
}

const BLOCKING_VERDICTS: readonly BlockingVerdict[] = ['suspicious', 'unscannable', 'dangerous'];

/** Dangerous files are refused everywhere; production also refuses what the scanner could not clear. */
function defaultScanGate(): ScanGateConfig {
  return {
    blockPush: ['dangerous'],
    blockStage: { development: ['dangerous'], validation: ['dangerous'], staging: ['dangerous'], production: ['dangerous', 'suspicious', 'unscannable'], archived: [] },
  };
}

function verdictList(value: unknown, file: string, field: string): BlockingVerdict[] {
  if (!Array.isArray(value) || !value.every((v): v is BlockingVerdict => typeof v === 'string' && (BLOCKING_VERDICTS as string[]).includes(v))) {
    const bad = Array.isArray(value) ? value.find((v) => !(BLOCKING_VERDICTS as unknown[]).includes(v)) : value;
    throw new ModelVaultError('invalid_input', `${file}: ${field} must be a list of scan verdicts (${BLOCKING_VERDICTS.join(', ')}), not ${JSON.stringify(bad)}`, {
      path: file,
      field,
      hint: `e.g. ${field}: [dangerous, unscannable]; "safe" never blocks, [] blocks nothing`,
    });
  }
  return [...new Set(value)];
}

/** Parses the `scan:` block: each setting given replaces its default, unknown keys are errors. */
function parseScanGate(raw: unknown, file: string): ScanGateConfig {
  const gate = defaultScanGate();
  if (raw === undefined || raw === null) return gate;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ModelVaultError('invalid_input', `${file}: scan must be a mapping with block_push and block_stage`, { path: file, field: 'scan' });
  }
  for (const key of Object.keys(raw)) {
    if (key !== 'block_push' && key !== 'block_stage') {
      throw new ModelVaultError('invalid_input', `${file}: scan.${key} is not a setting (known: block_push, block_stage)`, { path: file, field: `scan.${key}` });
    }
  }
  const s = raw as { block_push?: unknown; block_stage?: unknown };
  if (s.block_push !== undefined) gate.blockPush = verdictList(s.block_push, file, 'scan.block_push');
  if (s.block_stage !== undefined) {
    if (typeof s.block_stage !== 'object' || s.block_stage === null || Array.isArray(s.block_stage)) {
      throw new ModelVaultError('invalid_input', `${file}: scan.block_stage must map a stage to the verdicts it refuses`, { path: file, field: 'scan.block_stage', hint: 'e.g. production: [dangerous, suspicious, unscannable]' });
    }
    for (const [stage, list] of Object.entries(s.block_stage)) {
      const field = `scan.block_stage.${stage}`;
      if (!isStage(stage)) throw new ModelVaultError('invalid_input', `${file}: ${field}: "${stage}" is not a stage (development, validation, staging, production)`, { path: file, field });
      // Archiving takes a version out of service, so it must stay possible whatever the scan says.
      if (stage === 'archived') throw new ModelVaultError('invalid_input', `${file}: ${field}: archiving cannot be blocked by a scan`, { path: file, field, hint: 'remove the archived entry' });
      gate.blockStage[stage] = verdictList(list, file, field);
    }
  }
  return gate;
}

/** The policy options of a registry's `config.yaml`: what its registrations, `validate` and `push` are held to. */
export function policyOptions(config: RegistryConfig): Pick<PolicyOptions, 'requiredFields' | 'requiredSections' | 'namingConvention'> {
  // An empty (or absent) model_card_sections keeps the built-in required sections; only a list given replaces them.
  const sections = config.policy.modelCardSections;
  return {
    requiredFields: config.policy.requiredFields,
    ...(Object.keys(sections).length > 0 ? { requiredSections: sections } : {}),
    namingConvention: config.policy.namingConvention,
  };
}

/** The defaults used when `config.yaml` is absent or silent. */
export function defaultConfig(): RegistryConfig {
  return { lifecycle: { demoteProductionTo: 'archived', approvals: { production: DEFAULT_PRODUCTION_APPROVALS } }, policy: { requiredFields: [], modelCardSections: {}, namingConvention: 'warn' }, log: {}, scan: defaultScanGate(), signing: { requireSignature: [] }, auth: defaultAuthConfig(), server: { ...DEFAULT_SERVER_LIMITS } };
}

/** Reads `<home>/config.yaml`; a malformed file is an error naming the line. */
export function loadConfig(home: string): RegistryConfig {
  const file = join(home, 'config.yaml');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return defaultConfig();
    if (code === 'ENOTDIR') {
      throw new ModelVaultError('storage_unavailable', `cannot create MODELVAULT_HOME ${home}: a part of the path is a file, not a directory`, { path: home, hint: 'set MODELVAULT_HOME (or --home) to a writable directory' });
    }
    throw new ModelVaultError('storage_unavailable', `cannot read ${file}: ${(err as Error).message}`, { path: file, hint: 'make the file readable, or set MODELVAULT_HOME to another directory' });
  }
  const doc = YAML.parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0];
    throw new ModelVaultError('invalid_input', `${file}${pos ? `:${pos.line}:${pos.col}` : ''}: ${e.message.split('\n')[0]}`, { path: file, hint: 'fix the YAML syntax' });
  }
  let raw: Record<string, unknown>;
  try {
    // An alias to an anchor that is not there, or too many aliases (an expansion bomb), fail only here.
    raw = (doc.toJS({ maxAliasCount: 100 }) ?? {}) as Record<string, unknown>;
  } catch (err) {
    throw new ModelVaultError('invalid_input', `${file}: ${(err as Error).message}`, { path: file, hint: 'fix the YAML anchors and aliases (*name needs an &name before it)' });
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ModelVaultError('invalid_input', `${file}: the file must be a mapping of settings (lifecycle, policy, scan, signing, auth, server…), not ${Array.isArray(raw) ? 'a list' : JSON.stringify(raw).slice(0, 60)}`, { path: file });
  }
  const cfg = defaultConfig();
  const lifecycle = (raw.lifecycle ?? {}) as Record<string, unknown>;
  const demote = lifecycle.demote_production_to;
  if (demote !== undefined) {
    if (typeof demote !== 'string' || !isStage(demote) || !['archived', 'staging'].includes(demote)) {
      throw new ModelVaultError('invalid_input', `${file}: lifecycle.demote_production_to must be "archived" or "staging"`, { path: file, field: 'lifecycle.demote_production_to' });
    }
    cfg.lifecycle.demoteProductionTo = demote;
  }
  cfg.lifecycle.approvals = parseApprovals(lifecycle.approvals, file);
  const policy = (raw.policy ?? {}) as Record<string, unknown>;
  if (policy.required_fields !== undefined) {
    if (!Array.isArray(policy.required_fields) || !policy.required_fields.every((f) => typeof f === 'string')) {
      throw new ModelVaultError('invalid_input', `${file}: policy.required_fields must be a list of field names`, { path: file, field: 'policy.required_fields' });
    }
    cfg.policy.requiredFields = policy.required_fields as string[];
  }
  if (policy.model_card_sections !== undefined) {
    const s = policy.model_card_sections as Record<string, unknown>;
    if (typeof s !== 'object' || s === null || Array.isArray(s) || !Object.values(s).every((v) => Array.isArray(v) && v.every((x) => typeof x === 'string'))) {
      throw new ModelVaultError('invalid_input', `${file}: policy.model_card_sections must map a section to its accepted headings`, { path: file, field: 'policy.model_card_sections' });
    }
    cfg.policy.modelCardSections = s as Record<string, string[]>;
  }
  if (policy.naming_convention !== undefined) {
    if (policy.naming_convention !== 'warn' && policy.naming_convention !== 'off') {
      throw new ModelVaultError('invalid_input', `${file}: policy.naming_convention must be "warn" or "off"`, { path: file, field: 'policy.naming_convention' });
    }
    cfg.policy.namingConvention = policy.naming_convention;
  }
  const log = (raw.log ?? {}) as Record<string, unknown>;
  if (log.origin !== undefined) {
    // The origin becomes part of a note key name: no spaces, no '+', nothing the note format forbids.
    if (typeof log.origin !== 'string' || !/^[A-Za-z0-9._:/-]{1,200}$/.test(log.origin)) {
      throw new ModelVaultError('invalid_input', `${file}: log.origin must be a name such as registry.example.com/audit (letters, digits, . _ : / -)`, { path: file, field: 'log.origin' });
    }
    cfg.log.origin = log.origin;
  }
  cfg.scan = parseScanGate(raw.scan, file);
  cfg.signing = parseSigning(raw.signing, file);
  cfg.auth = parseAuthConfig(raw.auth, file);
  cfg.server = parseServerLimits(raw.server, file);
  return cfg;
}

/** The `signing:` block of `config.yaml`: stages that need a signature, and the key ids allowed to sign. */
export interface SigningConfig {
  requireSignature: Stage[];
  /** Key ids (of registry-trusted keys) accepted; every registry-trusted key when absent. */
  trustedKeys?: string[];
}

function parseSigning(value: unknown, file: string): SigningConfig {
  if (value === undefined || value === null) return { requireSignature: [] };
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ModelVaultError('invalid_input', `${file}: signing must be a mapping with require_signature and trusted_keys`, { path: file, field: 'signing' });
  }
  const s = value as Record<string, unknown>;
  for (const k of Object.keys(s)) {
    if (k !== 'require_signature' && k !== 'trusted_keys') throw new ModelVaultError('invalid_input', `${file}: signing.${k} is not a setting (use require_signature, trusted_keys)`, { path: file, field: `signing.${k}` });
  }
  const stages = s.require_signature ?? [];
  if (!Array.isArray(stages) || !stages.every((x) => typeof x === 'string' && isStage(x))) {
    throw new ModelVaultError('invalid_input', `${file}: signing.require_signature must be a list of stages, e.g. [production]`, { path: file, field: 'signing.require_signature' });
  }
  const out: SigningConfig = { requireSignature: stages as Stage[] };
  if (s.trusted_keys !== undefined && s.trusted_keys !== null) {
    if (!Array.isArray(s.trusted_keys) || !s.trusted_keys.every((x) => typeof x === 'string' && SHA256_HEX_PATTERN.test(x))) {
      throw new ModelVaultError('invalid_input', `${file}: signing.trusted_keys must be a list of key ids (64 lower-case hex digits, see \`modelvault keys list\`)`, { path: file, field: 'signing.trusted_keys' });
    }
    out.trustedKeys = s.trusted_keys as string[];
  }
  return out;
}
