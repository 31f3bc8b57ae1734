import { classifyGlobal, type ScanPolicy } from './policy.ts';
import type { Finding } from './types.ts';

const KERAS_MODULE = /^(keras|tf_keras|tensorflow)(\.|$)/;
const MAX_NODES = 1_000_000;

/** True when a parsed JSON value looks like a serialised Keras object. */
export function looksLikeKerasConfig(v: unknown): boolean {
  return !!v && typeof v === 'object' && !Array.isArray(v) && typeof (v as Record<string, unknown>).class_name === 'string' && 'config' in (v as object);
}

/** Finds Lambda layers, serialised Python functions and objects from modules outside Keras in a model config. */
export function scanKerasConfig(config: unknown, policy: ScanPolicy): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const add = (f: Finding): void => {
    const key = `${f.kind}|${f.name}`;
    if (!seen.has(key)) { seen.add(key); findings.push(f); }
  };
  let nodes = 0;
  const walk = (v: unknown, depth: number): void => {
    if (++nodes > MAX_NODES || depth > 256) {
      add({ severity: 'unscannable', kind: 'limit', message: 'model config too large or deeply nested to check fully; the rest was not checked' });
      return;
    }
    if (Array.isArray(v)) { for (const x of v) walk(x, depth + 1); return; }
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    const cls = typeof o.class_name === 'string' ? o.class_name : undefined;
    const mod = typeof o.module === 'string' ? o.module : undefined;
    if (cls === 'Lambda') {
      add({ severity: 'dangerous', kind: 'layer', name: 'Lambda', message: 'Lambda layer carries Python code that Keras runs when the model is loaded without safe_mode' });
    }
    if (cls === '__lambda__' || 'function_type' in o || (mod === 'builtins' && cls === 'function')) {
      add({ severity: 'dangerous', kind: 'layer', name: cls === '__lambda__' || cls === 'function' ? 'Lambda' : String(cls ?? 'function'), message: 'serialised Python function (marshalled bytecode) in the config' });
    }
    if (mod && cls && !KERAS_MODULE.test(mod)) {
      const g = classifyGlobal(policy, mod, cls);
      if (g.severity !== 'info') add({ severity: g.severity, kind: 'global', name: g.name, message: `config imports ${g.name} from outside Keras: ${g.reason}` });
    }
    for (const x of Object.values(o)) walk(x, depth + 1);
  };
  walk(config, 0);
  return findings;
}
