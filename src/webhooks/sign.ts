import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header carrying a webhook body's signature. */
export const SIGNATURE_HEADER = 'x-modelvault-signature';

/** `sha256=<hex HMAC-SHA256 of body>`, the value of the X-ModelVault-Signature header. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** True when `signature` is the signature of `body` with `secret`, compared in constant time. */
export function verifySignature(body: string, secret: string, signature: string | undefined): boolean {
  if (signature === undefined) return false;
  const expected = Buffer.from(signBody(body, secret));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
