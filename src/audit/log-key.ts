import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ModelVaultError } from '../core/errors.ts';
import { generateNoteKey, parseSignerKey, parseVerifierKey, type Ed25519NoteSigner, type Ed25519NoteVerifier } from './log/index.ts';

/** The audit log's signing key: its name is also the origin line of every checkpoint. */
export interface LogKey {
  origin: string;
  signer: Ed25519NoteSigner;
  verifier: Ed25519NoteVerifier;
}

/** Where the log key comes from. */
export interface LogKeyOptions {
  home: string;
  /** `log.origin` of config.yaml; the host name when unset. */
  origin?: string;
  /** A signer key string (MODELVAULT_LOG_KEY) that takes the place of `<home>/keys/log.key`. */
  signerKey?: string;
}

/** The name of the log key for an origin: `modelvault.<origin>`. */
export function logKeyName(origin: string): string {
  return `modelvault.${origin}`;
}

/**
 * Loads the log key from MODELVAULT_LOG_KEY or `<home>/keys/log.key`, creating the key (mode 0600) on first
 * use, and writes the verifier key to `<home>/keys/log.pub`.
 */
export function loadLogKey(opts: LogKeyOptions): LogKey {
  const dir = join(opts.home, 'keys');
  const keyFile = join(dir, 'log.key');
  const pubFile = join(dir, 'log.pub');
  const wanted = logKeyName(opts.origin ?? hostname());
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const signer = opts.signerKey !== undefined ? parseKey(opts.signerKey.trim(), 'MODELVAULT_LOG_KEY') : readOrCreate(keyFile, wanted);
  // A configured origin must match the key; without one, the key's own name wins so a host rename keeps the log.
  if (opts.origin !== undefined && signer.name !== wanted) {
    throw new ModelVaultError('conflict', `the log key is named ${signer.name} but log.origin asks for ${wanted}`, {
      field: 'log.origin',
      hint: `set log.origin to ${signer.name.replace(/^modelvault\./, '')} in config.yaml, or start a new log with a new key`,
    });
  }
  const verifier = parseVerifierKey(signer.verifierKey);
  writeIfChanged(pubFile, `${signer.verifierKey}\n`);
  return { origin: signer.name, signer, verifier };
}

function readOrCreate(file: string, name: string): Ed25519NoteSigner {
  const existing = readKeyFile(file);
  if (existing !== undefined) return parseKey(existing, file);
  const pair = generateNoteKey(name);
  try {
    // 'wx': when two processes start at once, the second reads the key the first wrote.
    writeFileSync(file, `${pair.signerKey}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw keyFileError(file, err);
    return parseKey(readKeyFile(file) ?? '', file);
  }
  return parseKey(pair.signerKey, file);
}

function readKeyFile(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw keyFileError(file, err);
  }
}

function parseKey(text: string, where: string): Ed25519NoteSigner {
  try {
    return parseSignerKey(text);
  } catch (err) {
    throw new ModelVaultError('invalid_input', `${where} does not hold a note signer key: ${(err as Error).message}`, { path: where, hint: 'restore the log key from a backup' }, { cause: err });
  }
}

function writeIfChanged(file: string, text: string): void {
  try {
    if (readKeyFile(file) === text.trim()) return;
    writeFileSync(file, text);
    chmodSync(file, 0o644);
  } catch (err) {
    throw keyFileError(file, err);
  }
}

function keyFileError(file: string, err: unknown): ModelVaultError {
  return new ModelVaultError('storage_unavailable', `cannot use the log key file ${file}: ${(err as Error).message}`, { path: file, hint: 'check that MODELVAULT_HOME/keys is writable' }, { cause: err });
}
