import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { ModelVaultError, toModelVaultError } from '../core/errors.ts';
import { detectFormatAt } from './detect-format.ts';
import type { ModelFormat } from './model-format.ts';

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buf, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buf.subarray(0, filled);
}

/** Detects a file's format from its first and last 64 KiB, never reading the whole file. */
export async function detectFileFormat(path: string): Promise<ModelFormat> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw toModelVaultError(err);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      throw new ModelVaultError('invalid_path', `${path} is not a regular file`, { path, hint: 'pass the path of a model file, not a directory' });
    }
    return await detectFormatAt((position, length) => readAt(handle, position, length), stat.size, path);
  } catch (err) {
    throw toModelVaultError(err);
  } finally {
    await handle.close();
  }
}
