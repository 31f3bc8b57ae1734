import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ed25519NoteVerifier } from '../audit/index.ts';
import { ModelVaultError } from '../core/errors.ts';
import type { IntegrityApi } from '../integrity/index.ts';
import { localActor } from './actor.ts';
import type { Session } from './context.ts';

/** The integrity API of a session: the local database in embedded mode, the server's in remote mode. */
export async function integrityOf(s: Session): Promise<IntegrityApi> {
  if (s.app) {
    return s.app.integrity(localActor());
  }
  const { RemoteIntegrity } = await import('../client/index.ts');
  return new RemoteIntegrity(s.client!);
}

/** The log's verifier key and where it came from: --log-key FILE, `<home>/keys/log.pub`, or the server. */
export async function logVerifier(s: Session, api: IntegrityApi, file?: string): Promise<{ verifier: Ed25519NoteVerifier; source: string }> {
  const { parseVerifierKey } = await import('../audit/index.ts');
  const parse = (text: string, where: string): Ed25519NoteVerifier => {
    try {
      return parseVerifierKey(text.trim());
    } catch (err) {
      throw new ModelVaultError('usage', `${where} does not hold a log verifier key: ${(err as Error).message}`, { path: where, hint: 'use the log.pub of the registry home, or `modelvault audit checkpoint --json`' }, { cause: err });
    }
  };
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ModelVaultError('usage', `cannot read the log key ${file}: ${(err as Error).message}`, { path: file });
    }
    return { verifier: parse(text, file), source: file };
  }
  if (s.app) {
    const pub = join(s.app.settings.home, 'keys', 'log.pub');
    if (existsSync(pub)) return { verifier: parse(readFileSync(pub, 'utf8'), pub), source: pub };
  }
  const key = await api.logKey();
  return { verifier: parse(key.verifierKey, `${s.location}/api/v1/audit/key`), source: `${s.location}/api/v1/audit/key` };
}

/** Commander collector for repeatable options. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
