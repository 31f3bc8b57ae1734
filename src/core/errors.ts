/** Stable error codes: scripts, the HTTP API and tests depend on them. */
export const ERROR_CODES = {
  usage: { status: 400, exit: 2, title: 'Invalid usage' },
  invalid_input: { status: 400, exit: 2, title: 'Invalid input' },
  invalid_name: { status: 400, exit: 2, title: 'Invalid name' },
  invalid_version: { status: 400, exit: 2, title: 'Invalid version' },
  invalid_reference: { status: 400, exit: 2, title: 'Invalid reference' },
  invalid_digest: { status: 400, exit: 2, title: 'Invalid digest' },
  invalid_metadata: { status: 422, exit: 2, title: 'Invalid metadata' },
  invalid_path: { status: 400, exit: 2, title: 'Invalid path' },
  invalid_transition: { status: 409, exit: 2, title: 'Transition not allowed' },
  invalid_range: { status: 416, exit: 2, title: 'Range not satisfiable' },
  not_found: { status: 404, exit: 2, title: 'Not found' },
  version_exists: { status: 409, exit: 1, title: 'Version exists' },
  conflict: { status: 409, exit: 1, title: 'Conflict' },
  digest_mismatch: { status: 422, exit: 1, title: 'Digest mismatch' },
  size_mismatch: { status: 422, exit: 1, title: 'Size mismatch' },
  blob_missing: { status: 409, exit: 1, title: 'Blob missing' },
  blob_corrupt: { status: 500, exit: 1, title: 'Blob corrupt' },
  validation_failed: { status: 422, exit: 1, title: 'Validation failed' },
  verification_failed: { status: 422, exit: 1, title: 'Verification failed' },
  policy_violation: { status: 403, exit: 1, title: 'Policy violation' },
  gate_failed: { status: 409, exit: 1, title: 'Gate failed' },
  unauthenticated: { status: 401, exit: 2, title: 'Unauthenticated' },
  forbidden: { status: 403, exit: 2, title: 'Forbidden' },
  payload_too_large: { status: 413, exit: 2, title: 'Payload too large' },
  too_many_requests: { status: 429, exit: 1, title: 'Too many requests' },
  storage_unavailable: { status: 503, exit: 1, title: 'Storage unavailable' },
  storage_full: { status: 507, exit: 1, title: 'Insufficient storage' },
  server_unreachable: { status: 502, exit: 1, title: 'Server unreachable' },
  internal: { status: 500, exit: 1, title: 'Internal error' },
} as const;

/** One of the stable error codes. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Details carried by an error: where it happened and how to fix it. */
export interface ErrorDetails {
  /** A short hint telling the user what would fix the problem. */
  hint?: string;
  /** File, field or reference at fault. */
  [key: string]: unknown;
}

/** The one error type of ModelVault; everything else becomes `internal`. */
export class ModelVaultError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModelVaultError';
    this.code = code;
    this.details = details;
  }

  /** HTTP status for this error's code. */
  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  /** CLI exit code for this error's code: 1 a failed check, 2 usage or input error. */
  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }
}

/** True when `code` is one of the stable error codes. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}

/** Wraps anything thrown into a ModelVaultError, keeping the cause. */
export function toModelVaultError(err: unknown): ModelVaultError {
  if (err instanceof ModelVaultError) return err;
  const e = err as NodeJS.ErrnoException | undefined;
  if (e && typeof e === 'object' && typeof e.code === 'string') {
    const where = e.path ? ` (${e.path})` : '';
    switch (e.code) {
      case 'ENOSPC':
      case 'EDQUOT':
        return new ModelVaultError('storage_full', `no space left on the device${where}`, { path: e.path, hint: 'free disk space or point MODELVAULT_HOME at a larger volume' }, { cause: err });
      case 'EACCES':
      case 'EPERM':
      case 'EROFS':
        return new ModelVaultError('storage_unavailable', `permission denied${where}`, { path: e.path, hint: 'make the directory writable or set MODELVAULT_HOME to a writable directory' }, { cause: err });
      case 'ENOENT':
        return new ModelVaultError('not_found', `no such file or directory${where}`, { path: e.path }, { cause: err });
      case 'SQLITE_CORRUPT':
      case 'SQLITE_NOTADB':
        return new ModelVaultError('storage_unavailable', `the database file is damaged: ${e.message}`, { hint: 'stop using this home; restore it with `modelvault restore` from a backup, or run `modelvault audit verify` to see what is readable' }, { cause: err });
      case 'SQLITE_BUSY':
      case 'SQLITE_BUSY_SNAPSHOT':
      case 'SQLITE_LOCKED':
        return new ModelVaultError('storage_unavailable', 'the database stayed locked by another process for longer than the 10 s busy timeout', { hint: 'another command or server holds a long write on this home; retry when it has finished' }, { cause: err });
      case 'ECONNREFUSED':
      case 'ENOTFOUND':
      case 'ECONNRESET':
        return new ModelVaultError('server_unreachable', `cannot reach the server: ${e.message}`, { hint: 'check --server / MODELVAULT_URL and that `modelvault serve` is running' }, { cause: err });
    }
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ModelVaultError('internal', message, {}, { cause: err });
}
