import { chmod, cp, mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { interopDir as sharedInteropDir } from '../../helpers/interop.ts';


/** The model-signing project's signed test models (test/fixtures/interop/model-signing). */
export function interopDir(): string {
  const dir = join(sharedInteropDir(), 'model-signing');
  if (!existsSync(join(dir, 'keys', 'signing-key-pub.pem'))) throw new Error(`model-signing interop data not found at ${dir}`);
  return dir;
}

/** A fresh temporary directory, removed by the returned cleanup. */
export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `mv-signing-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Copies `src` to `dst` and makes everything writable (the shared data is read-only). */
export async function copyWritable(src: string, dst: string): Promise<void> {
  await cp(src, dst, { recursive: true });
  const walk = async (d: string): Promise<void> => {
    await chmod(d, 0o755);
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else await chmod(join(d, e.name), 0o644);
    }
  };
  await walk(dst);
}

/** Writes `files` (relative path → content) under `dir`, creating parent directories. */
export async function writeTree(dir: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), content);
  }
}

/** The bundle JSON with one byte of the base64 field at `pick` flipped after decoding. */
export function flipDecodedByte(bundleJson: string, pick: 'payload' | 'sig', index = 10): string {
  const bundle = JSON.parse(bundleJson) as { dsseEnvelope: { payload: string; signatures: { sig: string }[] } };
  const env = bundle.dsseEnvelope;
  const sig = env.signatures[0];
  if (sig === undefined) throw new Error('bundle has no signature');
  const bytes = Buffer.from(pick === 'payload' ? env.payload : sig.sig, 'base64');
  const at = Math.min(index, bytes.length - 1);
  bytes[at] = (bytes[at] ?? 0) ^ 0x01;
  if (pick === 'payload') env.payload = bytes.toString('base64');
  else sig.sig = bytes.toString('base64');
  return JSON.stringify(bundle);
}

/** Decodes a bundle's DSSE payload into JSON. */
export function decodePayload(bundleJson: string): Record<string, unknown> {
  const bundle = JSON.parse(bundleJson) as { dsseEnvelope: { payload: string } };
  return JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8')) as Record<string, unknown>;
}
