import { ModelVaultError } from './errors.ts';

/** A content digest in the form `sha256:<64 lower-case hex>`. */
export type Digest = `sha256:${string}`;

/** A digest in its normal form: `sha256:` and 64 lower-case hexadecimal digits. */
export const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;
/** A digest as clients may write it (parseDigest lower-cases the hex). */
export const DIGEST_TEXT_PATTERN = /^sha256:[0-9a-fA-F]{64}$/;
/** A bare sha256 in lower-case hex, e.g. a key id. */
export const SHA256_HEX_PATTERN = /^[0-9a-f]{64}$/;

/** True when `d` is a well-formed sha256 digest. */
export function isDigest(d: unknown): d is Digest {
  return typeof d === 'string' && DIGEST_PATTERN.test(d);
}

/** Throws `invalid_digest` unless `d` is `sha256:<64 hex>`; accepts upper-case hex and normalises it. */
export function parseDigest(d: string): Digest {
  const lower = typeof d === 'string' ? d.toLowerCase() : d;
  if (!isDigest(lower)) {
    throw new ModelVaultError('invalid_digest', `${JSON.stringify(d)} is not a sha256 digest`, { digest: d, hint: 'use sha256:<64 hexadecimal characters>' });
  }
  return lower;
}

/** The hex part of a digest. */
export function digestHex(d: Digest): string {
  return d.slice('sha256:'.length);
}
