import type { AppContext } from '../../app.ts';
import type { ModelFilter } from '../../registry/index.ts';
import { actorOf } from '../actor.ts';
import type { RouteSpec } from '../route-spec.ts';
import { DescriptionBody, JSON_BODY_LIMIT, ModelDetail, ModelPage, ModelQuery, NameParams, TagKeysBody, TagsBody } from '../schemas.ts';

type NameP = { name: string };

/** Listing models, reading one, and editing its description and tags. */
export function modelRoutes(app: AppContext): RouteSpec[] {
  return [
    {
      method: 'GET',
      url: '/api/v1/models',
      operationId: 'listModels',
      summary: 'List models',
      tag: 'models',
      querystring: ModelQuery,
      responses: { 200: { description: 'a page of models', schema: ModelPage } },
      handler: async (req) => app.registry(actorOf(req)).listModels(req.query as ModelFilter),
    },
    {
      method: 'GET',
      url: '/api/v1/models/:name',
      operationId: 'getModel',
      summary: 'Show a model with its aliases and stage holders',
      tag: 'models',
      params: NameParams,
      responses: { 200: { description: 'the model', schema: ModelDetail } },
      handler: async (req) => app.registry(actorOf(req)).getModel((req.params as NameP).name),
    },
    {
      method: 'PATCH',
      url: '/api/v1/models/:name',
      operationId: 'setModelDescription',
      summary: "Set a model's description",
      tag: 'models',
      params: NameParams,
      body: DescriptionBody,
      bodyLimit: JSON_BODY_LIMIT,
      responses: { 204: { description: 'updated' } },
      handler: async (req, reply) => {
        await app.registry(actorOf(req)).setDescription({ name: (req.params as NameP).name }, (req.body as { description: string }).description);
        return reply.code(204).send();
      },
    },
    {
      method: 'PUT',
      url: '/api/v1/models/:name/tags',
      operationId: 'setModelTags',
      summary: 'Set tags on a model',
      tag: 'models',
      params: NameParams,
      body: TagsBody,
      bodyLimit: JSON_BODY_LIMIT,
      responses: { 204: { description: 'updated' } },
      handler: async (req, reply) => {
        await app.registry(actorOf(req)).setTags({ name: (req.params as NameP).name }, (req.body as { tags: Record<string, string> }).tags);
        return reply.code(204).send();
      },
    },
    {
      method: 'DELETE',
      url: '/api/v1/models/:name/tags',
      operationId: 'removeModelTags',
      summary: 'Remove tags from a model',
      tag: 'models',
      params: NameParams,
      body: TagKeysBody,
      bodyLimit: JSON_BODY_LIMIT,
      responses: { 204: { description: 'removed' } },
      handler: async (req, reply) => {
        await app.registry(actorOf(req)).removeTags({ name: (req.params as NameP).name }, (req.body as { keys: string[] }).keys);
        return reply.code(204).send();
      },
    },
  ];
}
