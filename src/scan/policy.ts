import { ModelVaultError } from '../core/errors.ts';
import allowlistData from './allowlist.json' with { type: 'json' };
import dangerousData from './dangerous.json' with { type: 'json' };

/** A reviewed allowlist entry: why importing this global is harmless. */
export interface AllowEntry {
  reason: string;
  /** Who added it, for entries added to a registry's policy. */
  reviewer?: string;
}

/** One reviewed extension of the allowlist, kept so the registry can log it. */
export interface AllowlistExtension {
  reviewer: string;
  at: string;
  names: string[];
}

/** What a pickle may import, and what is known to run code. */
export interface ScanPolicy {
  readonly allow: ReadonlyMap<string, AllowEntry>;
  readonly dangerous: ReadonlyMap<string, { reason: string }>;
  readonly extensions: readonly AllowlistExtension[];
}

/** How one imported global is judged. */
export interface GlobalVerdict {
  severity: 'info' | 'suspicious' | 'dangerous';
  /** The name Python resolves, after Python 2 renames. */
  name: string;
  reason: string;
}

function toMap<T>(data: Record<string, T>): Map<string, T> {
  return new Map(Object.entries(data));
}

/** The built-in policy: the reviewed allowlist and known-dangerous list shipped with ModelVault. */
export const defaultPolicy: ScanPolicy = Object.freeze({
  allow: toMap<AllowEntry>(allowlistData),
  dangerous: toMap<{ reason: string }>(dangerousData),
  extensions: Object.freeze([]) as readonly AllowlistExtension[],
});

/** A Python global as pickles name it: a dotted `module.name`. */
export const GLOBAL_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/;

/** Returns a new policy that also allows `entries`, refusing names known to run code. */
export function extendAllowlist(
  entries: Record<string, { reason: string }>,
  reviewer: string,
  base: ScanPolicy = defaultPolicy,
): ScanPolicy {
  if (!reviewer.trim()) {
    throw new ModelVaultError('invalid_input', 'allowlist extension: reviewer is empty', { hint: 'name the person who reviewed the entries' });
  }
  const allow = new Map(base.allow);
  const names: string[] = [];
  for (const [name, entry] of Object.entries(entries)) {
    if (!GLOBAL_NAME_PATTERN.test(name)) {
      throw new ModelVaultError('invalid_input', `allowlist extension: "${name}" is not a dotted module.name`, { field: name, hint: 'use the form package.module.Name' });
    }
    if (typeof entry?.reason !== 'string' || !entry.reason.trim()) {
      throw new ModelVaultError('invalid_input', `allowlist extension: "${name}" has no reason`, { field: name, hint: 'say why importing it is harmless' });
    }
    // A pickle may split the name anywhere into module and attributes: every split is checked.
    const known = dangerousReach(base, name, name.split('.').slice(1));
    if (known) {
      throw new ModelVaultError('invalid_input', `allowlist extension: "${name}" is known to be dangerous (${known})`, { field: name, hint: 'dangerous globals cannot be allowlisted' });
    }
    allow.set(name, { reason: entry.reason, reviewer });
    names.push(name);
  }
  const extension: AllowlistExtension = { reviewer, at: new Date().toISOString(), names };
  return Object.freeze({ allow, dangerous: base.dangerous, extensions: Object.freeze([...base.extensions, extension]) });
}

/** Python 2 module names that `pickle` maps to their Python 3 homes when loading. */
const PY2_MODULES: Record<string, string> = {
  __builtin__: 'builtins',
  copy_reg: 'copyreg',
  cPickle: 'pickle',
  commands: 'subprocess',
  exceptions: 'builtins',
  urllib2: 'urllib.request',
  httplib: 'http.client',
  SocketServer: 'socketserver',
  cStringIO: 'io',
  StringIO: 'io',
  thread: '_thread',
  Queue: 'queue',
  UserDict: 'collections',
  UserList: 'collections',
  'multiprocessing.process': 'multiprocessing.context',
};
const PY2_NAMES: Record<string, string> = {
  'builtins.xrange': 'builtins.range',
  'builtins.unicode': 'builtins.str',
  'builtins.basestring': 'builtins.str',
  'builtins.long': 'builtins.int',
  'builtins.raw_input': 'builtins.input',
  'builtins.execfile': 'builtins.exec',
  'builtins.reduce': 'functools.reduce',
  'builtins.intern': 'sys.intern',
  'collections.UserDict': 'collections.UserDict',
  'itertools.izip': 'builtins.zip',
  'itertools.imap': 'builtins.map',
};

function dangerousMatch(policy: ScanPolicy, dotted: string): { key: string; reason: string } | undefined {
  const parts = dotted.split('.');
  for (let end = parts.length; end > 0; end--) {
    const key = parts.slice(0, end).join('.');
    const hit = policy.dangerous.get(key);
    if (hit) return { key, reason: hit.reason };
  }
  return undefined;
}

/**
 * Why the dotted global `full`, whose attribute path is `attrs`, is known to be dangerous, or undefined. Dotted
 * names are resolved attribute by attribute, so `pathlib` + `os.system` reaches the os module.
 */
function dangerousReach(policy: ScanPolicy, full: string, attrs: readonly string[]): string | undefined {
  const direct = dangerousMatch(policy, full);
  if (direct) return `${direct.key}: ${direct.reason}`;
  for (let start = 0; start < attrs.length; start++) {
    const tail = attrs.slice(start).join('.');
    const hit = dangerousMatch(policy, tail) ?? dangerousMatch(policy, `builtins.${tail}`);
    if (hit) return `reaches ${hit.key} through attribute lookup: ${hit.reason}`;
  }
  return undefined;
}

/**
 * Resolves `module` + `name` the way pickle's find_class does and judges the full dotted name against the policy:
 * the dangerous list first, then the allowlist by exact name, so a method of an allowed class is judged as itself.
 */
export function classifyGlobal(policy: ScanPolicy, module: string, name: string): GlobalVerdict {
  const mod = PY2_MODULES[module] ?? module;
  let full = `${mod}.${name}`;
  full = PY2_NAMES[full] ?? full;
  const attrs = name.split('.');
  const reach = dangerousReach(policy, full, attrs);
  if (reach) return { severity: 'dangerous', name: full, reason: reach };
  if (policy.allow.has(full)) return { severity: 'info', name: full, reason: policy.allow.get(full)?.reason ?? '' };
  if (attrs.some((a) => a.startsWith('__') && a.endsWith('__'))) {
    return { severity: 'dangerous', name: full, reason: 'walks through a dunder attribute, which can reach any object in the interpreter' };
  }
  if (!mod || !name || attrs.some((a) => a === '')) {
    return { severity: 'dangerous', name: full, reason: 'malformed import name' };
  }
  if (attrs.length > 1) return { severity: 'suspicious', name: full, reason: 'dotted attribute lookup on a global that is not on the allowlist' };
  return { severity: 'suspicious', name: full, reason: 'not on the allowlist of globals ML libraries need' };
}
