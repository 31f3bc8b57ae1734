import { Value, ValueErrorType } from '@sinclair/typebox/value';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type ProtectedHeaderParameters } from 'jose';
import { ModelVaultError, toModelVaultError } from '../core/errors.ts';
import { Closed, Str, Type, type Static } from '../core/schema.ts';

// Verifies OpenID Connect bearer tokens (JWTs) against the issuers listed under `auth.oidc` in config.yaml:
// the issuer is chosen by the token's `iss`, its keys come from the issuer's JWKS, and every failure is an
// `unauthenticated` error saying why, without repeating the token.

/** Signature algorithms an issuer may allow: asymmetric only, so the public JWKS can never be used to sign. */
export const OIDC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;
/** The algorithms accepted when an issuer lists none. */
export const DEFAULT_OIDC_ALGORITHMS: readonly OidcAlgorithm[] = ['RS256', 'ES256', 'PS256', 'EdDSA'];
/** One allowed signature algorithm. */
export type OidcAlgorithm = (typeof OIDC_ALGORITHMS)[number];

// Provider tokens are a few kilobytes; a longer bearer value is refused before any decoding.
const MAX_TOKEN_LENGTH = 16_384;
const JWKS_TIMEOUT_MS = 3000;
const EXAMPLE_JWKS = 'https://login.example.com/.well-known/jwks.json';

/** One OpenID Connect issuer as written in config.yaml under `auth.oidc` (a list of these). */
export const OidcIssuerSchema = Closed({
  issuer: Str(2048, { minLength: 1, description: 'the issuer URL exactly as the provider writes it in the `iss` claim, e.g. https://login.example.com/realms/ml' }),
  audience: Type.Union([Str(512, { minLength: 1 }), Type.Array(Str(512, { minLength: 1 }), { minItems: 1, maxItems: 32 })], {
    description: 'the audience (usually the client id) tokens must be issued for: a string or a list of strings',
  }),
  jwks_url: Str(2048, { minLength: 1, description: `the https URL of the provider's JSON Web Key Set, e.g. ${EXAMPLE_JWKS}` }),
  groups_claim: Type.Optional(Str(256, { minLength: 1, default: 'groups', description: 'the claim holding the groups (a dotted path such as realm_access.roles reaches into objects)' })),
  username_claim: Type.Optional(Str(256, { minLength: 1, default: 'preferred_username', description: 'the claim holding the user name; `sub` is used when a token lacks it' })),
  roles: Type.Optional(Type.Record(Type.String(), Str(128, { minLength: 1 }), { default: {}, description: 'a mapping from group to ModelVault role name, e.g. ml-admins: admin' })),
  algorithms: Type.Optional(
    Type.Array(Type.Union(OIDC_ALGORITHMS.map((a) => Type.Literal(a))), { minItems: 1, uniqueItems: true, default: [...DEFAULT_OIDC_ALGORITHMS], description: `a list of signature algorithms from ${OIDC_ALGORITHMS.join(', ')}` }),
  ),
  leeway_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 300, default: 60, description: 'the clock skew in seconds tolerated on exp and nbf, from 0 to 300' })),
});

/** One issuer's settings as written; optional settings may be absent. */
export type OidcIssuerConfig = Static<typeof OidcIssuerSchema>;
/** One issuer's settings with every default filled in. */
export type OidcIssuer = Required<OidcIssuerConfig>;

/** Who a verified token says its bearer is. */
export interface OidcIdentity {
  issuer: string;
  subject: string;
  /** The `username_claim`, or the subject when the token lacks it. */
  username: string;
  groups: string[];
  /** Role names the configured `roles` give these groups, sorted; groups without a role add none. */
  roles: string[];
  /** When the token expires (ISO 8601). */
  expiresAt: string;
}

/** True when `token` has the shape of a compact JWT: three base64url parts (the third empty only when unsigned). */
export function looksLikeJwt(token: string): boolean {
  return token.length <= MAX_TOKEN_LENGTH && /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

/** `auth.oidc` of config.yaml as issuers with defaults filled in; a bad setting is an `invalid_input` error naming it. */
export function parseOidcConfig(value: unknown, file?: string): OidcIssuer[] {
  const fail = (field: string, message: string, hint: string): ModelVaultError =>
    new ModelVaultError('invalid_input', `${file ? `${file}: ` : ''}${field} ${message}`, { ...(file ? { path: file } : {}), field, hint });
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw fail('auth.oidc', 'must be a list of issuers', `write each issuer as a list item: - { issuer: https://login.example.com, audience: modelvault, jwks_url: ${EXAMPLE_JWKS} }`);
  const seen = new Set<string>();
  return value.map((raw: unknown, i) => {
    const at = `auth.oidc[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw fail(at, 'must be a mapping with issuer, audience and jwks_url', 'see the OpenID Connect section of the README');
    refuseWeakAlgorithms((raw as Record<string, unknown>).algorithms, `${at}.algorithms`, fail);
    const error = Value.Errors(OidcIssuerSchema, raw).First();
    if (error) {
      const [name = '', ...rest] = error.path.split('/').slice(1).map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
      const field = `${at}.${name}${rest.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `[${JSON.stringify(p)}]`)).join('')}`;
      const known = Object.keys(OidcIssuerSchema.properties);
      if (!known.includes(name)) throw fail(field, 'is not a setting', `known settings: ${known.join(', ')}`);
      const wanted = OidcIssuerSchema.properties[name as keyof typeof OidcIssuerSchema.properties].description!;
      if (error.type === ValueErrorType.ObjectRequiredProperty) throw fail(field, `is missing: give ${wanted}`, `add ${name}: to the issuer's entry`);
      throw fail(field, `is invalid (${error.message.toLowerCase()})`, `give ${wanted}`);
    }
    const issuer = Value.Default(OidcIssuerSchema, structuredClone(raw)) as OidcIssuer;
    if (!checkUrl(issuer.issuer, false)) {
      throw fail(`${at}.issuer`, `must be an http(s) URL, not ${JSON.stringify(issuer.issuer)}`, "copy `issuer` from the provider's /.well-known/openid-configuration");
    }
    if (!checkUrl(issuer.jwks_url, true)) {
      throw fail(`${at}.jwks_url`, `must be an https URL (http only on localhost), not ${JSON.stringify(issuer.jwks_url)}`, `copy \`jwks_uri\` from the provider's /.well-known/openid-configuration, e.g. ${EXAMPLE_JWKS}`);
    }
    if (seen.has(issuer.issuer)) throw fail(`${at}.issuer`, `repeats ${issuer.issuer}`, 'list each issuer once; give it a list of audiences instead');
    seen.add(issuer.issuer);
    return issuer;
  });
}

/** A list naming `none` or an HMAC algorithm is refused with the reason, before the generic schema check. */
function refuseWeakAlgorithms(algorithms: unknown, field: string, fail: (field: string, message: string, hint: string) => ModelVaultError): void {
  if (!Array.isArray(algorithms)) return;
  const hint = `list asymmetric algorithms only, e.g. [${DEFAULT_OIDC_ALGORITHMS.join(', ')}]`;
  for (const [i, alg] of algorithms.entries()) {
    if (typeof alg !== 'string') continue;
    if (alg.toLowerCase() === 'none') throw fail(`${field}[${i}]`, 'is "none": unsigned tokens prove nothing and are never accepted', hint);
    if (/^HS\d+$/i.test(alg)) throw fail(`${field}[${i}]`, `is "${alg}": a shared-secret (HMAC) algorithm lets anyone holding the public keys forge tokens`, hint);
  }
}

/** True for an absolute http(s) URL; with `keysUrl`, plain http only on a loopback host (keys must not travel in clear). */
function checkUrl(text: string, keysUrl: boolean): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && (!keysUrl || ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname));
}

/** Options of an OidcVerifier. */
export interface OidcVerifierOptions {
  /** How long a JWKS fetch may take, in milliseconds (default 3000). */
  jwksTimeoutMs?: number;
}

/** Verifies bearer tokens from the configured issuers; keeps one cached JWKS per issuer. */
export class OidcVerifier {
  readonly #issuers = new Map<string, { config: OidcIssuer; keys: JWTVerifyGetKey }>();

  constructor(issuers: readonly OidcIssuer[], options: OidcVerifierOptions = {}) {
    for (const config of issuers) {
      const jwks = createRemoteJWKSet(new URL(config.jwks_url), { timeoutDuration: options.jwksTimeoutMs ?? JWKS_TIMEOUT_MS });
      this.#issuers.set(config.issuer, { config, keys: keysOf(config, jwks) });
    }
  }

  /** The identity in `token`, or an `unauthenticated` error saying why the token is refused. */
  async verify(token: string): Promise<OidcIdentity> {
    if (token.length > MAX_TOKEN_LENGTH) throw unauthorized(`malformed token: longer than ${MAX_TOKEN_LENGTH} characters`);
    if (!looksLikeJwt(token)) throw unauthorized('malformed token: not a JWT (three base64url parts separated by dots)');
    let header: ProtectedHeaderParameters;
    let claims: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      claims = decodeJwt(token);
    } catch {
      throw unauthorized('malformed token: its header or claims are not base64url-encoded JSON objects');
    }
    if (typeof claims.iss !== 'string') throw unauthorized('the token names no issuer (no "iss" claim)');
    const entry = this.#issuers.get(claims.iss);
    if (!entry) throw unauthorized(`wrong issuer: ${quote(claims.iss)} is not a trusted issuer (trusted: ${[...this.#issuers.keys()].join(', ') || 'none'})`);
    const { config } = entry;
    if (!(config.algorithms as unknown[]).includes(header.alg)) throw algorithmRefused(header.alg, config);
    try {
      const { payload } = await jwtVerify(token, entry.keys, {
        issuer: config.issuer,
        audience: config.audience,
        algorithms: config.algorithms,
        clockTolerance: config.leeway_seconds,
        requiredClaims: ['sub', 'exp'],
      });
      return identityOf(config, payload);
    } catch (err) {
      throw rejection(err, config, header.alg);
    }
  }
}

/** The issuer's JWKS, with its failures said in our words: an unknown key refuses the token, an unreachable JWKS is the provider's fault. */
function keysOf(config: OidcIssuer, jwks: JWTVerifyGetKey): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await jwks(header, token);
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey) {
        throw unauthorized(`unknown key: ${header.kid === undefined ? 'the token names no key (kid) and' : `key id ${quote(header.kid)}`} matches no ${header.alg} key in the JWKS of ${config.issuer}`);
      }
      if (err instanceof errors.JWKSMultipleMatchingKeys) throw unauthorized(`unknown key: the token names no key (kid) and the JWKS of ${config.issuer} holds several ${header.alg} keys`);
      const why = err instanceof errors.JWKSTimeout ? 'it did not answer in time' : err instanceof Error ? err.message : String(err);
      throw new ModelVaultError('server_unreachable', `cannot fetch the signing keys of ${config.issuer} from ${config.jwks_url}: ${why}`, {
        hint: 'check jwks_url of this issuer under auth.oidc in config.yaml and that the server can reach it',
      }, { cause: err });
    }
  };
}

function identityOf(config: OidcIssuer, payload: JWTPayload): OidcIdentity {
  if (typeof payload.sub !== 'string' || payload.sub === '') throw unauthorized('the token\'s "sub" claim is not a non-empty string');
  const listed = claimAt(payload, config.groups_claim);
  const groups = typeof listed === 'string' ? [listed] : Array.isArray(listed) ? listed.filter((g): g is string => typeof g === 'string') : [];
  const named = claimAt(payload, config.username_claim);
  const roles = new Set(groups.filter((g) => Object.hasOwn(config.roles, g)).map((g) => config.roles[g]!));
  return {
    issuer: config.issuer,
    subject: payload.sub,
    username: typeof named === 'string' && named !== '' ? named : payload.sub,
    groups,
    roles: [...roles].sort(),
    expiresAt: new Date(payload.exp! * 1000).toISOString(),
  };
}

/** A claim by its exact name, else by a dotted path into nested objects (Keycloak's `realm_access.roles`). */
function claimAt(payload: JWTPayload, name: string): unknown {
  if (Object.hasOwn(payload, name)) return payload[name];
  let at: unknown = payload;
  for (const part of name.split('.')) at = at !== null && typeof at === 'object' && Object.hasOwn(at, part) ? (at as Record<string, unknown>)[part] : undefined;
  return at;
}

/** Why jose refused a token, as an `unauthenticated` error; anything else keeps its own code. */
function rejection(err: unknown, config: OidcIssuer, alg: unknown): ModelVaultError {
  if (err instanceof ModelVaultError) return err;
  const leeway = `(leeway ${config.leeway_seconds}s)`;
  if (err instanceof errors.JWTExpired) return unauthorized(`expired: the token expired at ${timeOf(err.payload.exp)} ${leeway}`);
  if (err instanceof errors.JWTClaimValidationFailed) {
    const p = err.payload;
    if (err.reason === 'missing') return unauthorized(`the token has no "${err.claim}" claim`);
    if (err.claim === 'nbf') return unauthorized(`not yet valid: the token is valid from ${timeOf(p.nbf)} ${leeway}`);
    if (err.claim === 'aud') return unauthorized(`wrong audience: the token is for ${quote(p.aud)}, ${config.issuer} tokens must be for ${quote(config.audience)}`);
    if (err.claim === 'iss') return unauthorized(`wrong issuer: the token is from ${quote(p.iss)}, not ${config.issuer}`);
    return unauthorized(`the token's "${err.claim}" claim is invalid (${err.message})`);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return unauthorized(`bad signature: the token's signature does not verify with the key of ${config.issuer}`);
  if (err instanceof errors.JOSEAlgNotAllowed) return algorithmRefused(alg, config);
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return unauthorized(`malformed token: ${err.message}`);
  if (err instanceof errors.JOSENotSupported) return unauthorized(`unsupported token: ${err.message}`);
  return toModelVaultError(err);
}

/** `alg` comes from the token's unverified header, so it may be anything. */
function algorithmRefused(alg: unknown, config: OidcIssuer): ModelVaultError {
  const what = typeof alg !== 'string' ? 'the token names no algorithm, which is'
    : alg.toLowerCase() === 'none' ? 'the token is unsigned (alg "none"), which is'
    : `the token is signed with ${quote(alg)}, which is`;
  return unauthorized(`algorithm not allowed: ${what} not allowed for ${config.issuer} (allowed: ${config.algorithms.join(', ')})`);
}

function unauthorized(message: string): ModelVaultError {
  return new ModelVaultError('unauthenticated', message, { hint: 'sign in to your identity provider again and send its access token as `Authorization: Bearer <token>`' });
}

/** A claim value quoted for a message, cut short: claims come from the caller and may be long. */
function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function timeOf(seconds: unknown): string {
  return typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : String(seconds);
}
