import type { AppContext } from '../../app.ts';
import { ModelVaultError } from '../../core/errors.ts';
import type { NewEvidence, RegisterVersionInput, VersionFilter } from '../../registry/index.ts';
import { actorOf } from '../actor.ts';
import type { RouteSpec } from '../route-spec.ts';
import {
  EvidenceList,
  EvidenceQuery,
  EvidenceSummary,
  NewEvidenceBody,
  DescriptionBody,
  JSON_BODY_LIMIT,
  LineageGraph,
  LineageQuery,
  NameParams,
  REGISTER_BODY_LIMIT,
  RegisterResult,
  RegisterVersionInput as RegisterVersionSchema,
  SelectorParams,
  TagKeysBody,
  TagsBody,
  VersionDetail,
  VersionPage,
  VersionParams,
  VersionQuery,
} from '../schemas.ts';

type NameP = { name: string };
type SelectorP = { name: string; selector: string };
type VersionP = { name: string; version: string };

/** Registering, listing and reading versions, their descriptions, tags and lineage. */
export function versionRoutes(app: AppContext): RouteSpec[] {
  return [
    {
      method: 'GET',
      url: '/api/v1/models/:name/versions/:selector/evidence',
      operationId: 'listEvidence',
      summary: 'The evidence a version carries (signatures, scan reports, …), optionally of one kind',
      tag: 'versions',
      params: SelectorParams,
      querystring: EvidenceQuery,
      responses: { 200: { description: 'evidence with bodies', schema: EvidenceList } },
      handler: async (req) => {
        const { name, selector } = req.params as SelectorP;
        return { items: await app.registry(actorOf(req)).listEvidence(`${name}@${selector}`, (req.query as { kind?: string }).kind) };
      },
    },
    {
      method: 'POST',
      url: '/api/v1/models/:name/versions/:selector/evidence',
      operationId: 'addEvidence',
      summary: 'Attach evidence (e.g. a signature bundle) to a version',
      tag: 'versions',
      params: SelectorParams,
      body: NewEvidenceBody,
      bodyLimit: REGISTER_BODY_LIMIT,
      responses: { 201: { description: 'stored', schema: EvidenceSummary } },
      handler: async (req, reply) => {
        const { name, selector } = req.params as SelectorP;
        // Stage gates trust scan reports, so only the registry's own scanner may record one.
        if ((req.body as NewEvidence).kind === 'scan') {
          throw new ModelVaultError('forbidden', 'scan evidence is recorded by the registry\'s scanner, not sent by clients', { field: 'kind', hint: `re-scan the stored files with \`modelvault scan ${name}@${selector} --rescan\`` });
        }
        const added = await app.registry(actorOf(req)).addEvidence(`${name}@${selector}`, req.body as NewEvidence);
        reply.code(201);
        return added;
      },
    },
    {
      method: 'GET',
      url: '/api/v1/models/:name/versions',
      operationId: 'listVersions',
      summary: 'List the versions of a model, newest first',
      tag: 'versions',
      params: NameParams,
      querystring: VersionQuery,
      responses: { 200: { description: 'a page of versions', schema: VersionPage } },
      handler: async (req) => app.registry(actorOf(req)).listVersions((req.params as NameP).name, req.query as VersionFilter),
    },
    {
      method: 'POST',
      url: '/api/v1/models/:name/versions',
      operationId: 'registerVersion',
      summary: 'Register a version whose blobs are already stored',
      tag: 'versions',
      params: NameParams,
      body: RegisterVersionSchema,
      bodyLimit: REGISTER_BODY_LIMIT,
      responses: {
        201: { description: 'the version was created', schema: RegisterResult },
        200: { description: 'the identical version already existed', schema: RegisterResult },
      },
      handler: async (req, reply) => {
        const { name } = req.params as NameP;
        const input = req.body as RegisterVersionInput;
        if (input.metadata.name !== name) {
          throw new ModelVaultError('invalid_input', `metadata.name ${JSON.stringify(input.metadata.name)} does not match the model ${name} in the path`, {
            field: 'body.metadata.name',
            hint: `post to /api/v1/models/${String(input.metadata.name)}/versions or fix metadata.name`,
          });
        }
        const result = await app.registry(actorOf(req)).registerVersion(input);
        return reply.code(result.created ? 201 : 200).send(result);
      },
    },
    {
      method: 'GET',
      url: '/api/v1/models/:name/versions/:selector',
      operationId: 'getVersion',
      summary: 'Show a version by number, stage, alias or `latest`',
      tag: 'versions',
      params: SelectorParams,
      responses: { 200: { description: 'the version', schema: VersionDetail } },
      handler: async (req, reply) => {
        const { name, selector } = req.params as SelectorP;
        // The snapshot's JSON text is computed once and served as is, without serialising it again.
        const snapshot = await app.registry(actorOf(req)).getVersionSnapshot(`${name}@${selector}`);
        reply.type('application/json; charset=utf-8');
        return snapshot.json;
      },
    },
    {
      method: 'PATCH',
      url: '/api/v1/models/:name/versions/:version',
      operationId: 'setVersionDescription',
      summary: "Set a version's description",
      tag: 'versions',
      params: VersionParams,
      body: DescriptionBody,
      bodyLimit: JSON_BODY_LIMIT,
      responses: { 204: { description: 'updated' } },
      handler: async (req, reply) => {
        const { name, version } = req.params as VersionP;
        await app.registry(actorOf(req)).setDescription({ name, version }, (req.body as { description: string }).description);
        return reply.code(204).send();
      },
    },
    {
      method: 'PUT',
      url: '/api/v1/models/:name/versions/:version/tags',
      operationId: 'setVersionTags',
      summary: 'Set tags on a version',
      tag: 'versions',
      params: VersionParams,
      body: TagsBody,
      bodyLimit: JSON_BODY_LIMIT,
      responses: { 204: { description: 'updated' } },
      handler: async (req, reply) => {
        const { name, version } = req.params as VersionP;
        await app.registry(actorOf(req)).setTags({ name, version }, (req.body as { tags: Record<string, string> }).tags);
        return reply.code(204).send();
      },
    },
    {
      method: 'DELETE',
      url: '/api/v1/models/:name/versions/:version/tags',
      operationId: 'removeVersionTags',
      summary: 'Remove tags from a version',
      tag: 'versions',
      params: VersionParams,
      body: TagKeysBody,
      bodyLimit: JSON_BODY_LIMIT,
      responses: { 204: { description: 'removed' } },
      handler: async (req, reply) => {
        const { name, version } = req.params as VersionP;
        await app.registry(actorOf(req)).removeTags({ name, version }, (req.body as { keys: string[] }).keys);
        return reply.code(204).send();
      },
    },
    {
      method: 'GET',
      url: '/api/v1/models/:name/versions/:selector/lineage',
      operationId: 'lineage',
      summary: 'Ancestors and descendants of a version',
      tag: 'versions',
      params: SelectorParams,
      querystring: LineageQuery,
      responses: { 200: { description: 'the lineage graph', schema: LineageGraph } },
      handler: async (req) => {
        const { name, selector } = req.params as SelectorP;
        const { depth } = req.query as { depth?: number };
        return app.registry(actorOf(req)).lineage(`${name}@${selector}`, depth === undefined ? {} : { depth });
      },
    },
  ];
}
