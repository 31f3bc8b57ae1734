import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES, ModelVaultError, toModelVaultError, type ErrorCode } from '../core/errors.ts';
import { Str, StringEnum, Type, type Static } from '../core/schema.ts';

/** Base of the `type` URI of every problem. */
export const PROBLEM_BASE = 'https://modelvault.dev/problems/';

/** RFC 9457 problem details, the body of every error response; further members carry the error's details. */
export const Problem = Type.Object(
  {
    type: Str(512),
    title: Str(256),
    status: Type.Integer(),
    detail: Str(100_000),
    code: StringEnum(Object.keys(ERROR_CODES) as ErrorCode[]),
    instance: Type.Optional(Str(100_000)),
  },
  { additionalProperties: true, description: 'RFC 9457 problem details; `code` is one of the stable error codes' },
);

/** An RFC 9457 problem as the API renders it. */
export type ProblemBody = Static<typeof Problem> & Record<string, unknown>;

const STATUS_CODES: Record<number, ErrorCode> = {
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  416: 'invalid_range',
};

/** The field a schema validation error points at, e.g. `body.metadata.name` or `querystring.limit`. */
function fieldOf(err: FastifyError): string {
  const first = err.validation?.[0];
  const parts = [err.validationContext ?? 'request'];
  if (first) {
    parts.push(...first.instancePath.split('/').filter(Boolean));
    const p = first.params as { missingProperty?: string; additionalProperty?: string };
    if (p.missingProperty) parts.push(p.missingProperty);
    if (p.additionalProperty) parts.push(p.additionalProperty);
  }
  return parts.join('.');
}

/** Fastify's request-body errors, said in the API's words. */
const BODY_ERRORS: Record<string, (e: FastifyError) => ModelVaultError> = {
  FST_ERR_CTP_INVALID_JSON_BODY: (e) => new ModelVaultError('invalid_input', 'the request body is not valid JSON', { field: 'body', hint: 'send one JSON document with Content-Type: application/json' }, { cause: e }),
  FST_ERR_CTP_EMPTY_JSON_BODY: (e) => new ModelVaultError('invalid_input', 'the request body is empty but Content-Type says JSON', { field: 'body', hint: 'send a JSON document, or leave out the Content-Type header' }, { cause: e }),
  FST_ERR_CTP_BODY_TOO_LARGE: (e) => new ModelVaultError('payload_too_large', 'the request body is larger than this route accepts', { field: 'body', hint: 'see the route in /api/v1/openapi.json; large files go through /api/v1/blobs' }, { cause: e }),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: (e) => new ModelVaultError('invalid_input', 'the request body does not match its Content-Length', { field: 'content-length' }, { cause: e }),
};

/** Turns anything a route or Fastify throws into a ModelVaultError with a stable code. */
export function classifyError(err: unknown): ModelVaultError {
  if (err instanceof ModelVaultError) return err;
  const fe = err as FastifyError;
  const bodyError = typeof fe?.code === 'string' ? BODY_ERRORS[fe.code] : undefined;
  if (bodyError) return bodyError(fe);
  if (fe && Array.isArray(fe.validation)) {
    const field = fieldOf(fe);
    const first = fe.validation[0];
    const allowed = (first?.params as { allowedValues?: unknown[] } | undefined)?.allowedValues;
    const what = first ? `${field} ${first.message ?? 'is not valid'}${Array.isArray(allowed) ? ` (${allowed.join(', ')})` : ''}` : fe.message;
    return new ModelVaultError('invalid_input', what, { field, hint: 'see /api/v1/openapi.json for the expected shape' });
  }
  const status = typeof fe?.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500) return new ModelVaultError(STATUS_CODES[status] ?? 'invalid_input', fe.message, {}, { cause: err });
  return toModelVaultError(err);
}

/** Renders an error as a problem; internal errors keep their cause out of the body. */
export function problemOf(err: ModelVaultError, where: { instance?: string; requestId?: string } = {}): ProblemBody {
  const info = ERROR_CODES[err.code];
  const internal = err.code === 'internal';
  const details = internal ? { requestId: where.requestId } : err.details;
  return {
    ...details,
    type: `${PROBLEM_BASE}${err.code}`,
    title: info.title,
    status: info.status,
    detail: internal ? `an unexpected error occurred; the server log has the cause under request id ${where.requestId}` : err.message,
    code: err.code,
    ...(where.instance === undefined ? {} : { instance: where.instance }),
  };
}

/** Sends `err` as `application/problem+json`, logging server-side failures with their cause. */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const e = classifyError(err);
  if (e.status >= 500) request.log.error({ err: e.cause ?? e, code: e.code, reqId: request.id }, `request failed: ${e.message}`);
  const body = problemOf(e, { instance: request.url, requestId: String(request.id) });
  if (e.code === 'invalid_range' && typeof e.details.size === 'number') reply.header('content-range', `bytes */${e.details.size}`);
  if (e.code === 'unauthenticated') reply.header('www-authenticate', 'Bearer realm="modelvault"');
  return reply.code(body.status).type('application/problem+json').send(body);
}
