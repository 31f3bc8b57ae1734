import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Static, TSchema } from '../core/schema.ts';

/** A JSON Schema as plain data: validates requests and documents the API. */
export type JsonSchema = Record<string, unknown>;

/** Largest JSON body accepted by most routes. */
export const JSON_BODY_LIMIT = 1 << 20;
/** Largest JSON body accepted when registering a version (manifests can be long). */
export const REGISTER_BODY_LIMIT = 10 * (1 << 20);

/** HTTP methods the API uses. */
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One possible response of a route, as the OpenAPI document describes it. */
export interface ResponseSpec {
  description: string;
  schema?: JsonSchema;
  /** Media type of the body; `application/json` unless said otherwise. */
  contentType?: string;
  /** Response headers worth documenting: name → description. */
  headers?: Record<string, string>;
}

/** One route: what Fastify registers and what the OpenAPI document is generated from. */
export interface RouteSpec {
  method: HttpMethod;
  /** Fastify path syntax (`/api/v1/models/:name`). */
  url: string;
  operationId: string;
  summary: string;
  tag: string;
  params?: JsonSchema;
  querystring?: JsonSchema;
  headers?: JsonSchema;
  body?: JsonSchema;
  /** The body is raw bytes handed to the handler as a stream, with no size limit. */
  rawBody?: boolean;
  bodyLimit?: number;
  /** Successful responses; every route may also answer with a problem. */
  responses: Record<number, ResponseSpec>;
  handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
}

type Parsed<S> = S extends TSchema ? Static<S> : unknown;

/** A request whose parts have passed their route's schemas, typed from those schemas. */
export type ValidRequest<P, Q, H, B> = FastifyRequest<{ Params: Parsed<P>; Querystring: Parsed<Q>; Headers: Parsed<H>; Body: Parsed<B> }>;

/** A route whose handler sees its params, query string, headers and body typed from the schemas that validate them. */
export function route<P extends TSchema | undefined = undefined, Q extends TSchema | undefined = undefined, H extends TSchema | undefined = undefined, B extends TSchema | undefined = undefined>(
  spec: Omit<RouteSpec, 'params' | 'querystring' | 'headers' | 'body' | 'handler'> & {
    params?: P;
    querystring?: Q;
    headers?: H;
    body?: B;
    handler: (request: ValidRequest<P, Q, H, B>, reply: FastifyReply) => Promise<unknown>;
  },
): RouteSpec {
  // Fastify validates every declared part against its schema before the handler runs.
  return spec as RouteSpec;
}
