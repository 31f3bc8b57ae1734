import { X509Certificate } from 'node:crypto';
import type { Kysely } from 'kysely';
import { SHA256_HEX_PATTERN } from '../../core/digest.ts';
import { ModelVaultError } from '../../core/errors.ts';
import type { Static } from '../../core/schema.ts';
import type { Database } from '../../storage/db/schema.ts';
import type * as S from '../schemas.ts';
import { appendAuditEvents } from '../../audit/index.ts';
import { keyIdOfKey, parsePublicKey } from '../signing/keys.ts';

/** What a trusted entry holds: a signing public key, or a certificate root for certificate-chain bundles. */
export type TrustedKeyKind = (typeof S.TRUSTED_KEY_KINDS)[number];
/** A public key or certificate root the registry trusts for model signatures. */
export type TrustedKey = Static<typeof S.TrustedKey>;
/** What `trustKey` needs: PEM text of a public key or certificate, and an optional display name. */
export type TrustKeyInput = Static<typeof S.TrustKeyInput>;
/** Outcome of `trustKey`: false `created` when the key was already trusted. */
export type TrustResult = Static<typeof S.TrustResult>;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;
const MAX_PEM = 64 * 1024;

/** Parses PEM text into what the registry stores: kind, key id and a normalised PEM. Private keys are refused. */
export function parseTrustMaterial(text: string): { kind: TrustedKeyKind; keyId: string; pem: string } {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_PEM) {
    throw new ModelVaultError('invalid_input', `a trusted key must be PEM text of at most ${MAX_PEM} bytes`, { field: 'pem', hint: 'pass a public key (.pub) or a certificate PEM file' });
  }
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    throw new ModelVaultError('invalid_input', 'this is a private key: only public keys and certificates can be trusted', { field: 'pem', hint: 'trust the .pub file that `modelvault keys generate` wrote next to the key' });
  }
  if (text.includes('-----BEGIN CERTIFICATE-----')) {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(text);
    } catch (err) {
      throw new ModelVaultError('invalid_input', `not a PEM certificate: ${(err as Error).message}`, { field: 'pem', hint: 'pass a "-----BEGIN CERTIFICATE-----" PEM' }, { cause: err });
    }
    return { kind: 'certificate', keyId: keyIdOfKey(cert.publicKey), pem: cert.toString() };
  }
  const key = parsePublicKey(text);
  return { kind: 'public_key', keyId: keyIdOfKey(key), pem: key.export({ type: 'spki', format: 'pem' }).toString() };
}

function rowToKey(r: Database['trusted_keys']): TrustedKey {
  return { keyId: r.key_id, name: r.name, kind: r.kind as TrustedKeyKind, pem: r.pem, addedBy: r.added_by, addedAt: r.added_at };
}

/** Every trusted key, oldest first. */
export async function listTrustedKeys(db: Kysely<Database>): Promise<TrustedKey[]> {
  const rows = await db.selectFrom('trusted_keys').selectAll().orderBy('added_at').orderBy('key_id').execute();
  return rows.map(rowToKey);
}

/** Stores a trusted key (logged as `key.trust`); trusting the same key again changes nothing. */
export async function trustKey(db: Kysely<Database>, input: TrustKeyInput, actor: string): Promise<TrustResult> {
  const parsed = parseTrustMaterial(input.pem);
  const name = input.name ?? parsed.keyId.slice(0, 16);
  if (!NAME.test(name)) throw new ModelVaultError('invalid_input', `key name ${JSON.stringify(name)} must be 1-128 letters, digits, . _ @ + -`, { field: 'name' });
  return db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('trusted_keys').selectAll().where('key_id', '=', parsed.keyId).executeTakeFirst();
    if (existing) return { key: rowToKey(existing), created: false };
    const addedAt = new Date().toISOString();
    const row = { key_id: parsed.keyId, name, kind: parsed.kind, pem: parsed.pem, added_by: actor, added_at: addedAt };
    await trx.insertInto('trusted_keys').values(row).execute();
    await appendAuditEvents(trx, [{ actor, action: 'key.trust', subject: `key:${parsed.keyId}`, payload: { key_id: parsed.keyId, name, kind: parsed.kind } }], addedAt);
    return { key: rowToKey(row), created: true };
  });
}

/** Removes a trusted key (logged as `key.untrust`); an unknown key id is `not_found`. */
export async function untrustKey(db: Kysely<Database>, keyId: string, actor: string): Promise<TrustedKey> {
  if (!SHA256_HEX_PATTERN.test(keyId)) throw new ModelVaultError('invalid_input', `key id ${JSON.stringify(keyId)} is not 64 lower-case hex digits`, { field: 'keyId', hint: 'copy the id from `modelvault keys list`' });
  return db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('trusted_keys').selectAll().where('key_id', '=', keyId).executeTakeFirst();
    if (!existing) throw new ModelVaultError('not_found', `key ${keyId} is not trusted by this registry`, { keyId, hint: 'see `modelvault keys list`' });
    await trx.deleteFrom('trusted_keys').where('key_id', '=', keyId).execute();
    const at = new Date().toISOString();
    await appendAuditEvents(trx, [{ actor, action: 'key.untrust', subject: `key:${keyId}`, payload: { key_id: keyId, name: existing.name, kind: existing.kind } }], at);
    return rowToKey(existing);
  });
}
