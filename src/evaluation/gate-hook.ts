import { ModelVaultError } from '../core/errors.ts';
import { GATES_EVIDENCE_KIND } from '../core/evidence.ts';
import type { Evidence, PendingTransition, RegistryHooks } from '../registry/index.ts';
import { gatesFile, readGatesConfig, type GateName } from './gates-config.ts';
import type { GatesBody } from './gates.ts';

function isGatesBody(b: unknown): b is GatesBody {
  const x = b as GatesBody | null;
  return !!x && typeof x === 'object' && x.runner === 'modelvault-gates' && typeof x.manifestDigest === 'string' && Array.isArray(x.gates);
}

/** The newest gate run stored for exactly this content. */
export function latestGateRun(evidence: readonly Evidence[], manifestDigest: string): GatesBody | undefined {
  for (let i = evidence.length - 1; i >= 0; i--) {
    const e = evidence[i]!;
    if (e.kind === GATES_EVIDENCE_KIND && isGatesBody(e.body) && e.body.manifestDigest === manifestDigest) return e.body;
  }
  return undefined;
}

/**
 * Refuses entering the stages gates.yaml enforces (staging and production unless it says otherwise) unless the
 * newest gate run for the version's exact content used the current gates.yaml and every gate it requires passed.
 * Without a gates.yaml nothing is enforced. A rollback is not gated: the version held the stage before.
 */
export function gateHooks(deps: { home: string }): RegistryHooks {
  return {
    async beforeStage(t: PendingTransition): Promise<void> {
      if (t.rollback) return;
      const config = readGatesConfig(deps.home);
      if (!config || !config.enforce.includes(t.to)) return;
      const ref = `${t.name}@${t.version}`;
      const required = (Object.entries(config.gates) as [GateName, { required: boolean }][]).filter(([, s]) => s.required).map(([n]) => n);
      if (required.length === 0) return;
      const run = `\`modelvault gates run ${ref} --data FILE\``;
      const body = latestGateRun(t.evidence, t.manifestDigest);
      if (!body) {
        throw new ModelVaultError('gate_failed', `${ref} cannot enter ${t.to}: no gate results for its content ${t.manifestDigest} (required: ${required.join(', ')})`, {
          reference: ref,
          stage: t.to,
          missing: required,
          hint: `run the gates first: ${run}`,
        });
      }
      if (body.configDigest !== config.digest) {
        throw new ModelVaultError('gate_failed', `${ref} cannot enter ${t.to}: ${gatesFile(deps.home)} changed since the gates last ran (${body.ranAt})`, {
          reference: ref,
          stage: t.to,
          hint: `run the gates again with the current settings: ${run}`,
        });
      }
      const missing = required.filter((n) => !body.gates.some((g) => g.name === n));
      const failed = body.gates.filter((g) => required.includes(g.name) && g.status !== 'passed');
      if (missing.length === 0 && failed.length === 0) return;
      const parts = [...failed.map((g) => `${g.name} ${g.status}: ${g.reason}`), ...missing.map((n) => `${n} missing`)];
      throw new ModelVaultError('gate_failed', `${ref} cannot enter ${t.to}: ${parts.join('; ')}`, {
        reference: ref,
        stage: t.to,
        failed: failed.map((g) => g.name),
        missing,
        hint: `fix the model (or the data), push it as a new version and run the gates again: ${run}`,
      });
    },
  };
}
