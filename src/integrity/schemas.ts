import { Closed, StageName, Str, StringEnum, Type } from '../core/schema.ts';

// Trust and the signing policy as JSON Schemas, declared once: the key types derive from them and the HTTP
// API validates and documents with them.

const Text = Type.String();

/** What a trusted entry holds: a signing public key, or a certificate root for certificate-chain bundles. */
export const TRUSTED_KEY_KINDS = ['public_key', 'certificate'] as const;

/** A public key or certificate root the registry trusts; `keyId` is the sha256 hex of its SubjectPublicKeyInfo PEM. */
export const TrustedKey = Closed({ keyId: Text, name: Text, kind: StringEnum(TRUSTED_KEY_KINDS), pem: Text, addedBy: Text, addedAt: Text });

/** `signing:` of config.yaml: stages that need a signature, and the key ids allowed to sign (every trusted key when absent). */
export const SigningPolicy = Closed({ requireSignature: Type.Array(StageName), trustedKeys: Type.Optional(Type.Array(Text)) });

/** What `trustKey` needs: PEM text of a public key or certificate, and an optional display name. */
export const TrustKeyInput = Closed({ pem: Str(65_536), name: Type.Optional(Str(128)) });

/** Outcome of `trustKey`: false `created` when the key was already trusted. */
export const TrustResult = Closed({ key: TrustedKey, created: Type.Boolean() });

/** The registry's trusted keys and the signing policy they serve. */
export const TrustedKeys = Closed({ items: Type.Array(TrustedKey), policy: SigningPolicy });

/** The log's public identity: its origin and the C2SP verifier key of its checkpoints. */
export const LogPublicKey = Closed({ origin: Text, verifierKey: Text });
