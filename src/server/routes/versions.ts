import type { AppContext } from '../../app.ts';
import { ModelVaultError } from '../../core/errors.ts';
import { actorOf } from '../actor.ts';
import { JSON_BODY_LIMIT, REGISTER_BODY_LIMIT, route, type RouteSpec } from '../route-spec.ts';
import * as registrySchemas from '../../registry/schemas.ts';
import { DescriptionBody, DiffQuery, EvidenceList, EvidenceQuery, LineageQuery, NameParams, SelectorParams, TagKeysBody, TagsBody, VersionPage, VersionParams } from '../schemas/registry.ts';

const { EvidenceSummary, LineageGraph, NewEvidence, RegisterResult, RegisterVersionInput, VersionDetail, VersionDiff, VersionFilter } = registrySchemas;

/** Registering, listing and reading versions, their descriptions, tags and lineage. */
export function versionRoutes(app: AppContext): RouteSpec[] {
  return [
    route({
      method: 'GET',
      url: '/api/v1/models/:name/versions/:selector/evidence',
      operationId: 'listEvidence',
      summary: 'The evidence a version carries (signatures, scan reports, …), optionally of one kind',
      tag: 'versions',
      params: SelectorParams,
      querystring: EvidenceQuery,
      responses: { 200: { description: 'evidence with bodies', schema: EvidenceList } },
      handler: async (req) => {
        const { name, selector } = req.params;
        return { items: await app.registry(actorOf(req)).listEvidence(`${name}@${selector}`, req.query.kind) };
      },
    }),
    route({
      method: 'POST',
      url: '/api/v1/models/:name/versions/:selector/evidence',
      operationId: 'addEvidence',
      summary: 'Attach evidence (e.g. a signature bundle) to a version',
      tag: 'versions',
      params: SelectorParams,
      body: NewEvidence,
      bodyLimit: REGISTER_BODY_LIMIT,
      responses: { 201: { description: 'stored', schema: EvidenceSummary } },
      handler: async (req, reply) => {
        const { name, selector } = req.params;
        const added = await app.registry(actorOf(req)).addEvidence(`${name}@${selector}`, req.body);
        reply.code(201);
        return added;
      },
    }),
    route({
      method: 'GET',
      url: '/api/v1/models/:name/versions',
      operationId: 'listVersions',
      summary: 'List the versions of a model, newest first',
      tag: 'versions',
      params: NameParams,
      querystring: VersionFilter,
      responses: { 200: { description: 'a page of versions', schema: VersionPage } },
      handler: async (req) => app.registry(actorOf(req)).listVersions(req.params.name, req.query),
    }),
    route({
      method: 'POST',
      url: '/api/v1/models/:name/versions',
      operationId: 'registerVersion',
      summary: 'Register a version whose blobs are already stored, held to the registry policy (policy_violation listing every problem); a version number that under-states its signature change is refused unless forced',
      tag: 'versions',
      params: NameParams,
      body: RegisterVersionInput,
      bodyLimit: REGISTER_BODY_LIMIT,
      responses: {
        201: { description: 'the version was created', schema: RegisterResult },
        200: { description: 'the identical version already existed', schema: RegisterResult },
      },
      handler: async (req, reply) => {
        const { name } = req.params;
        const input = req.body;
        // permission: admin when force
        if (input.metadata.name !== name) {
          throw new ModelVaultError('invalid_input', `metadata.name ${JSON.stringify(input.metadata.name)} does not match the model ${name} in the path`, {
            field: 'body.metadata.name',
            hint: `post to /api/v1/models/${String(input.metadata.name)}/versions or fix metadata.name`,
          });
        }
        const result = await app.registry(actorOf(req)).registerVersion(input);
        return reply.code(result.created ? 201 : 200).send(result);
      },
    }),
    route({
      method: 'GET',
      url: '/api/v1/models/:name/versions/:selector',
      operationId: 'getVersion',
      summary: 'Show a version by number, stage, alias or `latest`',
      tag: 'versions',
      params: SelectorParams,
      responses: { 200: { description: 'the version', schema: VersionDetail } },
      handler: async (req, reply) => {
        const { name, selector } = req.params;
        // The snapshot's JSON text is computed once and served as is, without serialising it again.
        const snapshot = await app.registry(actorOf(req)).getVersionSnapshot(`${name}@${selector}`);
        reply.type('application/json; charset=utf-8');
        return snapshot.json;
      },
    }),
    route({
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
        const { name, version } = req.params;
        await app.registry(actorOf(req)).setDescription({ name, version }, req.body.description);
        return reply.code(204).send();
      },
    }),
    route({
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
        const { name, version } = req.params;
        await app.registry(actorOf(req)).setTags({ name, version }, req.body.tags);
        return reply.code(204).send();
      },
    }),
    route({
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
        const { name, version } = req.params;
        await app.registry(actorOf(req)).removeTags({ name, version }, req.body.keys);
        return reply.code(204).send();
      },
    }),
    // permission: read
    route({
      method: 'GET',
      url: '/api/v1/models/:name/versions/:selector/diff',
      operationId: 'diffVersions',
      summary: 'What changed from another version to this one: files, metadata, metrics, signature, and whether the version number states the change',
      tag: 'versions',
      params: SelectorParams,
      querystring: DiffQuery,
      responses: { 200: { description: 'the differences', schema: VersionDiff } },
      handler: async (req) => {
        const { name, selector } = req.params;
        const { against } = req.query;
        return app.registry(actorOf(req)).diffVersions(`${name}@${selector}`, against === undefined || against.includes('@') ? against : `${name}@${against}`);
      },
    }),
    route({
      method: 'GET',
      url: '/api/v1/models/:name/versions/:selector/lineage',
      operationId: 'lineage',
      summary: 'Ancestors and descendants of a version',
      tag: 'versions',
      params: SelectorParams,
      querystring: LineageQuery,
      responses: { 200: { description: 'the lineage graph', schema: LineageGraph } },
      handler: async (req) => {
        const { name, selector } = req.params;
        const { depth } = req.query;
        return app.registry(actorOf(req)).lineage(`${name}@${selector}`, depth === undefined ? {} : { depth });
      },
    }),
  ];
}
