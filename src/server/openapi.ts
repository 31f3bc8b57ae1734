import { ROUTE_ACCESS } from './permissions.ts';
import { ERROR_CODES } from '../core/errors.ts';
import * as registry from '../registry/schemas.ts';
import * as scan from '../scan/schemas.ts';
import { Problem } from './problem.ts';
import type { JsonSchema, RouteSpec } from './route-spec.ts';
import * as blobs from './schemas/blobs.ts';
import * as integrity from './schemas/integrity.ts';
import { Health } from './schemas/operations.ts';
import * as registryHttp from './schemas/registry.ts';
import * as scanHttp from './schemas/scan.ts';

/** An OpenAPI 3.1 document, as plain JSON. */
export type OpenApiDocument = Record<string, unknown>;

/** Schemas the OpenAPI document names under `components.schemas` instead of repeating them inline. */
const NAMED_SCHEMAS: Record<string, JsonSchema> = {
  Problem,
  // A manifest entry as clients write it; the registry's own answers always carry the format.
  ManifestEntry: registry.ManifestEntryInput,
  StoredManifestEntry: registry.ManifestEntry,
  ModelSummary: registry.ModelSummary,
  ModelDetail: registry.ModelDetail,
  VersionSummary: registry.VersionSummary,
  VersionDetail: registry.VersionDetail,
  StageChange: registry.StageChange,
  MissingCheck: registry.MissingCheck,
  Approval: registry.Approval,
  ApprovalStatus: registry.ApprovalStatus,
  MoveRecord: registry.MoveRecord,
  StagesAt: registry.StagesAt,
  LineageEdge: registry.LineageEdge,
  EvidenceSummary: registry.EvidenceSummary,
  Evidence: registry.Evidence,
  NewEvidence: registry.NewEvidence,
  RegisterVersionInput: registry.RegisterVersionInput,
  RegisterResult: registry.RegisterResult,
  StageResult: registry.StageResult,
  RegistryEvent: registry.RegistryEvent,
  LineageGraph: registry.LineageGraph,
  ModelPage: registryHttp.ModelPage,
  VersionPage: registryHttp.VersionPage,
  EventPage: registryHttp.EventPage,
  StageHistory: registryHttp.StageHistory,
  DescriptionBody: registryHttp.DescriptionBody,
  TagsBody: registryHttp.TagsBody,
  TagKeysBody: registryHttp.TagKeysBody,
  StageBody: registryHttp.StageBody,
  RollbackBody: registryHttp.RollbackBody,
  ApprovalBody: registryHttp.ApprovalBody,
  AliasBody: registryHttp.AliasBody,
  MissingBlobsBody: blobs.MissingBlobsBody,
  MissingBlobs: blobs.MissingBlobs,
  PutBlobResult: blobs.PutBlobResult,
  UploadState: blobs.UploadState,
  Health,
  VersionScanResult: scan.VersionScan,
  ScanAllowlistEntry: scan.AllowlistEntry,
  ScanAllowlist: scanHttp.ScanAllowlist,
  ScanAllowBody: scanHttp.ScanAllowBody,
  TrustedKey: integrity.TrustedKey,
  AuditEntry: integrity.AuditEntry,
  Checkpoint: integrity.Checkpoint,
  Anchor: integrity.Anchor,
};

const REFS = new Map<unknown, string>(Object.entries(NAMED_SCHEMAS).map(([name, schema]) => [schema, `#/components/schemas/${name}`]));

/** Copies a schema, replacing every named sub-schema by a `$ref` (the root itself stays inline when `keepRoot`). */
function withRefs(schema: unknown, keepRoot = false): unknown {
  if (!keepRoot) {
    const ref = REFS.get(schema);
    if (ref) return { $ref: ref };
  }
  if (Array.isArray(schema)) return schema.map((s) => withRefs(s));
  if (schema && typeof schema === 'object') {
    return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, withRefs(v)]));
  }
  return schema;
}

function parameters(where: 'path' | 'query' | 'header', schema: JsonSchema | undefined): Record<string, unknown>[] {
  if (!schema) return [];
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(props).map(([name, s]) => {
    const { description, ...rest } = s;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(description ? { description } : {}),
      schema: withRefs(rest),
    };
  });
}

const problemResponse = {
  description: 'A problem (RFC 9457); `code` is one of the stable error codes',
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
};

function operation(route: RouteSpec): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(route.responses)) {
    const contentType = r.contentType ?? 'application/json';
    responses[status] = {
      description: r.description,
      ...(r.headers ? { headers: Object.fromEntries(Object.entries(r.headers).map(([h, d]) => [h, { description: d, schema: { type: 'string' } }])) } : {}),
      ...(r.schema || r.contentType ? { content: { [contentType]: { schema: withRefs(r.schema ?? {}) } } } : {}),
    };
  }
  responses.default = problemResponse;
  const access = ROUTE_ACCESS[route.operationId];
  const op: Record<string, unknown> = {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    // Who may call it: the permission checked before the handler runs (for the model in the path, if any).
    'x-permission': access?.permission ?? 'undeclared',
    security: access?.permission === 'public' ? [] : [{ bearer: [] }],
    parameters: [...parameters('path', route.params), ...parameters('query', route.querystring), ...parameters('header', route.headers)],
    responses,
  };
  if (route.rawBody) {
    op.requestBody = { required: true, content: { 'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } } };
  } else if (route.body) {
    op.requestBody = { required: true, content: { 'application/json': { schema: withRefs(route.body) } } };
  }
  return op;
}

/** Generates the OpenAPI 3.1 document from the route table and the schemas that validate requests. */
export function buildOpenApi(routes: RouteSpec[], version: string): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.url.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
    (paths[path] ??= {})[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'ModelVault',
      version,
      description: `Model registry API. Errors are application/problem+json with a stable \`code\`: ${Object.keys(ERROR_CODES).join(', ')}. Every route but health and this document needs \`Authorization: Bearer <token>\` (a ModelVault API token, or a JSON Web Token from an issuer in auth.oidc); each operation's \`x-permission\` names the permission it needs (401 \`unauthenticated\`, 403 \`forbidden\`). Changes are recorded under the token's user; an administrator may act for a named user with X-ModelVault-Actor, recorded as both.`,
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(NAMED_SCHEMAS).map(([name, s]) => [name, withRefs(s, true)])),
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'a ModelVault API token (mvt_…) or an OpenID Connect access token' } },
    },
  };
}
