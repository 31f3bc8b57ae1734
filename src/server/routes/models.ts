import type { AppContext } from '../../app.ts';
import { actorOf } from '../actor.ts';
import { JSON_BODY_LIMIT, route, type RouteSpec } from '../route-spec.ts';
import * as registrySchemas from '../../registry/schemas.ts';
import { DescriptionBody, ModelPage, NameParams, TagKeysBody, TagsBody } from '../schemas/registry.ts';

const { ModelDetail, ModelFilter } = registrySchemas;

/** Listing models, reading one, and editing its description and tags. */
export function modelRoutes(app: AppContext): RouteSpec[] {
  return [
    route({
      method: 'GET',
      url: '/api/v1/models',
      operationId: 'listModels',
      summary: 'List models',
      tag: 'models',
      querystring: ModelFilter,
      responses: { 200: { description: 'a page of models', schema: ModelPage } },
      handler: async (req) => app.registry(actorOf(req)).listModels(req.query),
    }),
    route({
      method: 'GET',
      url: '/api/v1/models/:name',
      operationId: 'getModel',
      summary: 'Show a model with its aliases and stage holders',
      tag: 'models',
      params: NameParams,
      responses: { 200: { description: 'the model', schema: ModelDetail } },
      handler: async (req) => app.registry(actorOf(req)).getModel(req.params.name),
    }),
    route({
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
        await app.registry(actorOf(req)).setDescription({ name: req.params.name }, req.body.description);
        return reply.code(204).send();
      },
    }),
    route({
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
        await app.registry(actorOf(req)).setTags({ name: req.params.name }, req.body.tags);
        return reply.code(204).send();
      },
    }),
    route({
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
        await app.registry(actorOf(req)).removeTags({ name: req.params.name }, req.body.keys);
        return reply.code(204).send();
      },
    }),
  ];
}
