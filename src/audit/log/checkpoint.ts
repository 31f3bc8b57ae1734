import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { ModelVaultError } from '../../core/errors.ts';
import { HASH_SIZE } from './merkle.ts';

/** Signature type byte of Ed25519 keys in C2SP signed notes. */
export const NOTE_ALG_ED25519 = 0x01;

/** Notes with more signature lines are refused, so a hostile note cannot make us verify forever. */
export const MAX_NOTE_SIGNATURES = 100;

const SIGNATURE_PREFIX = '\u2014 ';
// DER wrappers that turn a raw Ed25519 seed or public key into PKCS#8 / SPKI for node:crypto.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const ED25519_KEY_SIZE = 32;

/** A transparency log checkpoint (C2SP tlog-checkpoint): the signed note text of a tree head. */
export interface Checkpoint {
  /** Unique name of the log, e.g. `modelvault.example/audit`. */
  origin: string;
  /** Number of leaves in the tree. */
  size: number;
  /** RFC 9162 root hash of the tree of `size` leaves. */
  rootHash: Buffer;
  /** Optional opaque extension lines, each non-empty. */
  extensions: readonly string[];
}

/** Something that signs note texts with one key. */
export interface NoteSigner {
  readonly name: string;
  /** The 32-bit key ID written before each signature. */
  readonly keyId: number;
  sign(message: Buffer): Buffer;
}

/** Something that checks signatures made by one key. */
export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  verify(message: Buffer, signature: Buffer): boolean;
}

/** An Ed25519 note signer, with the verifier key string that checks its signatures. */
export interface Ed25519NoteSigner extends NoteSigner {
  readonly verifierKey: string;
}

/** An Ed25519 note verifier, with its canonical verifier key string. */
export interface Ed25519NoteVerifier extends NoteVerifier {
  readonly verifierKey: string;
  readonly publicKey: Buffer;
}

/** One signature line of a note. */
export interface NoteSignature {
  name: string;
  keyId: number;
  /** Base64 of the 4-byte key ID followed by the signature, as written in the note. */
  base64: string;
}

/** A note whose signatures were checked. */
export interface OpenedNote {
  /** The signed text, ending in a newline. */
  text: string;
  /** Signatures by known keys, all valid. */
  verified: NoteSignature[];
  /** Signatures by keys not among the verifiers, not checked. */
  unverified: NoteSignature[];
}

/** A new key as its two C2SP strings. */
export interface NoteKeyPair {
  /** `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>`: keep secret. */
  signerKey: string;
  /** `<name>+<hex id>+<base64(0x01 || public key)>`: publish. */
  verifierKey: string;
}

/** True when `name` can name a note key: non-empty, no spaces, no `+`, no control characters. */
export function isValidKeyName(name: string): boolean {
  return typeof name === 'string' && name !== '' && !/[\s\u0085+\u0000-\u001f]/u.test(name) && !hasLoneSurrogate(name);
}

/** The key ID of an Ed25519 note key: the first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key), big-endian. */
export function noteKeyId(name: string, publicKey: Uint8Array): number {
  const digest = createHash('sha256').update(name, 'utf8').update(Buffer.from([0x0a, NOTE_ALG_ED25519])).update(publicKey).digest();
  return digest.readUInt32BE(0);
}

/** The verifier key string of an Ed25519 public key. */
export function ed25519VerifierKey(name: string, publicKey: Uint8Array): string {
  requireKeyName(name);
  if (publicKey.length !== ED25519_KEY_SIZE) {
    throw new ModelVaultError('invalid_input', `an Ed25519 public key is ${ED25519_KEY_SIZE} bytes, not ${publicKey.length}`, {});
  }
  return `${name}+${keyIdHex(noteKeyId(name, publicKey))}+${typedKey(publicKey)}`;
}

/** Generates an Ed25519 note key named `name`. */
export function generateNoteKey(name: string): NoteKeyPair {
  requireKeyName(name);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_ED25519_PREFIX.length);
  const pub = rawPublicKey(publicKey);
  return { signerKey: `PRIVATE+KEY+${name}+${keyIdHex(noteKeyId(name, pub))}+${typedKey(seed)}`, verifierKey: ed25519VerifierKey(name, pub) };
}

/** Parses a verifier key string `<name>+<hex id>+<base64(0x01 || public key)>`. */
export function parseVerifierKey(verifierKey: string): Ed25519NoteVerifier {
  const [name = '', idHex = '', key64 = ''] = splitKey(verifierKey, 2);
  const key = parseKeyParts('verifier key', name, idHex, key64);
  const publicKey = key.subarray(1);
  const keyId = noteKeyId(name, publicKey);
  if (keyId !== Number.parseInt(idHex, 16)) {
    throw new ModelVaultError('invalid_input', `verifier key for ${name}: key ID ${idHex} does not match the key (want ${keyIdHex(keyId)})`, { name });
  }
  const keyObject = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' });
  return {
    name,
    keyId,
    publicKey: Buffer.from(publicKey),
    verifierKey: `${name}+${keyIdHex(keyId)}+${key64}`,
    verify: (message, signature) => signature.length === 64 && verify(null, message, keyObject, signature),
  };
}

/** Parses a signer key string `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>`. */
export function parseSignerKey(signerKey: string): Ed25519NoteSigner {
  const [private1, private2, name = '', idHex = '', key64 = ''] = splitKey(signerKey, 4);
  if (private1 !== 'PRIVATE' || private2 !== 'KEY') {
    throw new ModelVaultError('invalid_input', 'a signer key starts with PRIVATE+KEY+', { hint: 'use the signerKey of generateNoteKey' });
  }
  const key = parseKeyParts('signer key', name, idHex, key64);
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, key.subarray(1)]), format: 'der', type: 'pkcs8' });
  const publicKey = rawPublicKey(createPublicKey(privateKey));
  const keyId = noteKeyId(name, publicKey);
  if (keyId !== Number.parseInt(idHex, 16)) {
    throw new ModelVaultError('invalid_input', `signer key for ${name}: key ID ${idHex} does not match the key (want ${keyIdHex(keyId)})`, { name });
  }
  return { name, keyId, verifierKey: ed25519VerifierKey(name, publicKey), sign: (message) => sign(null, message, privateKey) };
}

/** Signs a note text (which must end in a newline) and returns the signed note. */
export function signNote(text: string, signers: NoteSigner | readonly NoteSigner[]): string {
  const list: readonly NoteSigner[] = Array.isArray(signers) ? signers : [signers as NoteSigner];
  checkNoteText(text, 'note text');
  if (!text.endsWith('\n')) throw malformed('note text must end with a newline');
  if (list.length === 0) throw new ModelVaultError('invalid_input', 'a signed note needs at least one signer', {});
  const message = Buffer.from(text, 'utf8');
  const lines = list.map((signer) => {
    if (!isValidKeyName(signer.name)) throw new ModelVaultError('invalid_input', `signer name ${JSON.stringify(signer.name)} is not a valid key name`, {});
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(signer.keyId >>> 0);
    return `${SIGNATURE_PREFIX}${signer.name} ${Buffer.concat([prefix, signer.sign(message)]).toString('base64')}\n`;
  });
  return `${text}\n${lines.join('')}`;
}

/** Opens a signed note: checks every signature by a known key and requires at least one; others are returned unchecked. */
export function openNote(note: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  const msg = typeof note === 'string' ? note : decodeUtf8(note);
  checkNoteText(msg, 'signed note');
  const split = msg.lastIndexOf('\n\n');
  if (split < 0) throw malformed('no blank line separates the text from the signatures');
  const text = msg.slice(0, split + 1);
  const block = msg.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) throw malformed('signature lines must follow the blank line, each ending in a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) throw malformed(`more than ${MAX_NOTE_SIGNATURES} signature lines`);

  const message = Buffer.from(text, 'utf8');
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seenKeys = new Set<string>();
  const seenUnverified = new Set<string>();
  lines.forEach((line, i) => {
    const { sig, signature } = parseSignatureLine(line, i + 1);
    const key = `${sig.name}+${keyIdHex(sig.keyId)}`;
    const matches = verifiers.filter((v) => v.name === sig.name && v.keyId >>> 0 === sig.keyId);
    if (matches.length === 0) {
      if (!seenUnverified.has(line)) unverified.push(sig);
      seenUnverified.add(line);
      return;
    }
    if (matches.length > 1) throw new ModelVaultError('invalid_input', `ambiguous verifier: ${matches.length} keys are named ${key}`, { key });
    if (seenKeys.has(key)) return;
    seenKeys.add(key);
    if (!(matches[0] as NoteVerifier).verify(message, signature)) {
      throw new ModelVaultError('verification_failed', `signature line ${i + 1} by key ${key} does not verify`, { key, hint: 'the note text or the signature was altered' });
    }
    verified.push(sig);
  });
  if (verified.length === 0) {
    const signers = unverified.map((s) => `${s.name}+${keyIdHex(s.keyId)}`).join(', ');
    throw new ModelVaultError('verification_failed', `note has no signature from a known key (signed by ${signers})`, {
      signers,
      hint: 'add the log\'s verifier key to the trusted keys',
    });
  }
  return { text, verified, unverified };
}

/** Renders a checkpoint as note text: origin, size, base64 root hash, extension lines, each ending in a newline. */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  const { origin, size, rootHash, extensions } = checkpoint;
  if (origin === '' || origin.includes('\n')) throw new ModelVaultError('invalid_input', 'checkpoint origin must be one non-empty line', { origin });
  if (!Number.isSafeInteger(size) || size < 0) throw new ModelVaultError('invalid_input', `checkpoint size ${size} is not a non-negative integer below 2^53`, { size });
  if (!(rootHash instanceof Uint8Array) || rootHash.length !== HASH_SIZE) {
    throw new ModelVaultError('invalid_input', `checkpoint root hash must be ${HASH_SIZE} bytes`, {});
  }
  for (const line of extensions) {
    if (line === '' || line.includes('\n')) throw new ModelVaultError('invalid_input', 'checkpoint extension lines must be single non-empty lines', { line });
  }
  const text = [origin, String(size), Buffer.from(rootHash).toString('base64'), ...extensions].map((l) => `${l}\n`).join('');
  checkNoteText(text, 'checkpoint');
  return text;
}

/** Parses checkpoint note text strictly: canonical decimal size, canonical base64 of a 32-byte root, final newline. */
export function parseCheckpoint(text: string): Checkpoint {
  checkNoteText(text, 'checkpoint');
  if (!text.endsWith('\n')) throw badCheckpoint('it must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw badCheckpoint(`it has ${lines.length} lines, want at least 3 (origin, size, root hash)`);
  const empty = lines.findIndex((l) => l === '');
  if (empty >= 0) throw badCheckpoint(`line ${empty + 1} is empty`);
  const [origin, sizeText, root64, ...extensions] = lines as [string, string, string, ...string[]];
  if (!/^(?:0|[1-9][0-9]*)$/.test(sizeText)) throw badCheckpoint(`tree size ${JSON.stringify(sizeText)} is not a canonical decimal number`);
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw badCheckpoint(`tree size ${sizeText} is beyond 2^53 - 1`);
  const rootHash = decodeBase64Strict(root64);
  if (rootHash === undefined) throw badCheckpoint(`root hash ${JSON.stringify(root64)} is not canonical standard base64`);
  if (rootHash.length !== HASH_SIZE) throw badCheckpoint(`root hash is ${rootHash.length} bytes, want ${HASH_SIZE}`);
  return { origin, size, rootHash, extensions };
}

/** Formats and signs a checkpoint. */
export function signCheckpoint(checkpoint: Checkpoint, signers: NoteSigner | readonly NoteSigner[]): string {
  return signNote(formatCheckpoint(checkpoint), signers);
}

/** Opens a signed checkpoint: the note must carry a valid signature by a known key and hold a well-formed checkpoint. */
export function openCheckpoint(note: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote & { checkpoint: Checkpoint } {
  const opened = openNote(note, verifiers);
  return { ...opened, checkpoint: parseCheckpoint(opened.text) };
}

function parseSignatureLine(line: string, lineNo: number): { sig: NoteSignature; signature: Buffer } {
  if (!line.startsWith(SIGNATURE_PREFIX)) throw malformed(`signature line ${lineNo} does not start with an em dash and a space`);
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  const name = space < 0 ? rest : rest.slice(0, space);
  const base64 = space < 0 ? '' : rest.slice(space + 1);
  if (!isValidKeyName(name)) throw malformed(`signature line ${lineNo} has an invalid key name ${JSON.stringify(name)}`);
  const raw = decodeBase64Strict(base64);
  if (raw === undefined || raw.length < 5) throw malformed(`signature line ${lineNo} does not hold base64 of a key ID and a signature`);
  return { sig: { name, keyId: raw.readUInt32BE(0), base64 }, signature: raw.subarray(4) };
}

function parseKeyParts(what: string, name: string, idHex: string, key64: string): Buffer {
  if (!isValidKeyName(name)) throw new ModelVaultError('invalid_input', `${what}: ${JSON.stringify(name)} is not a valid key name`, {});
  if (!/^[0-9a-fA-F]{8}$/.test(idHex)) throw new ModelVaultError('invalid_input', `${what} for ${name}: key ID ${JSON.stringify(idHex)} is not 8 hex digits`, { name });
  const key = decodeBase64Strict(key64);
  if (key === undefined || key.length === 0) throw new ModelVaultError('invalid_input', `${what} for ${name}: key is not canonical base64`, { name });
  if (key[0] !== NOTE_ALG_ED25519) {
    throw new ModelVaultError('invalid_input', `${what} for ${name}: signature type 0x${(key[0] ?? 0).toString(16).padStart(2, '0')} is not supported (only Ed25519, 0x01)`, { name });
  }
  if (key.length !== 1 + ED25519_KEY_SIZE) throw new ModelVaultError('invalid_input', `${what} for ${name}: an Ed25519 key is ${ED25519_KEY_SIZE} bytes, not ${key.length - 1}`, { name });
  return key;
}

// Splits at the first `count` plus signs only: base64 key material may itself contain '+'.
function splitKey(key: string, count: number): string[] {
  const parts: string[] = [];
  let rest = typeof key === 'string' ? key : '';
  for (let i = 0; i < count; i += 1) {
    const plus = rest.indexOf('+');
    if (plus < 0) throw new ModelVaultError('invalid_input', `note key has ${i + 1} parts separated by '+', want ${count + 1}`, {});
    parts.push(rest.slice(0, plus));
    rest = rest.slice(plus + 1);
  }
  parts.push(rest);
  return parts;
}

function rawPublicKey(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519_PREFIX.length);
}

function typedKey(key: Uint8Array): string {
  return Buffer.concat([Buffer.from([NOTE_ALG_ED25519]), key]).toString('base64');
}

function keyIdHex(id: number): string {
  return (id >>> 0).toString(16).padStart(8, '0');
}

function requireKeyName(name: string): void {
  if (!isValidKeyName(name)) {
    throw new ModelVaultError('invalid_input', `${JSON.stringify(name)} is not a valid note key name`, { hint: 'use a non-empty name without spaces or +, such as modelvault.example/audit' });
  }
}

// Go's base64.StdEncoding plus canonical trailing bits: one encoding per byte string, so signed text cannot be re-spelled.
function decodeBase64Strict(s: string): Buffer | undefined {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s)) return undefined;
  const bytes = Buffer.from(s, 'base64');
  return bytes.toString('base64') === s ? bytes : undefined;
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (err) {
    throw new ModelVaultError('invalid_input', 'signed note is not valid UTF-8', {}, { cause: err });
  }
}

function checkNoteText(text: string, what: string): void {
  if (typeof text !== 'string') throw new ModelVaultError('invalid_input', `${what} must be a string`, {});
  if (hasLoneSurrogate(text)) throw new ModelVaultError('invalid_input', `${what} is not valid UTF-8 text`, {});
  const control = /[\u0000-\u0009\u000b-\u001f]/.exec(text);
  if (control) {
    throw new ModelVaultError('invalid_input', `${what} holds control character U+${control[0].charCodeAt(0).toString(16).padStart(4, '0')} at offset ${control.index}; only newlines are allowed`, {});
  }
}

function hasLoneSurrogate(s: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

function malformed(why: string): ModelVaultError {
  return new ModelVaultError('invalid_input', `malformed signed note: ${why}`, {});
}

function badCheckpoint(why: string): ModelVaultError {
  return new ModelVaultError('invalid_input', `malformed checkpoint: ${why}`, {});
}
