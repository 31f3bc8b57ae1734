import type { AppContext } from '../../app.ts';
import { actorOf } from '../actor.ts';
import { JSON_BODY_LIMIT, route, type RouteSpec } from '../route-spec.ts';
import * as registrySchemas from '../../registry/schemas.ts';
import { AliasBody, AliasParams, NameParams, RollbackBody, SelectorParams, StageBody, StageHistory } from '../schemas/registry.ts';

const { StageResult } = registrySchemas;

/** Stage transitions, rollback, stage history and aliases. */
export function lifecycleRoutes(app: AppContext): RouteSpec[] {
  return [
    route({
      method: 'POST',
      url: '/api/v1/models/:name/versions/:selector/stage',
      operationId: 'setStage',
      summary: 'Move a version to another stage',
      tag: 'lifecycle',
      params: SelectorParams,
      body: StageBody,
      bodyLimit: JSON_BODY_LIMIT,
      responses: { 200: { description: 'the transition made', schema: StageResult } },
      handler: async (req) => {
        const { name, selector } = req.params;
        const { stage, reason } = req.body;
        return app.registry(actorOf(req)).setStage(`${name}@${selector}`, stage, reason);
      },
    }),
    route({
      method: 'POST',
      url: '/api/v1/models/:name/rollback',
      operationId: 'rollback',
      summary: 'Put the previous holder of a stage back',
      tag: 'lifecycle',
      params: NameParams,
      body: RollbackBody,
      bodyLimit: JSON_BODY_LIMIT,
      responses: { 200: { description: 'the transition made', schema: StageResult } },
      handler: async (req) => {
        const { stage, reason } = req.body;
        return app.registry(actorOf(req)).rollback(req.params.name, stage, reason);
      },
    }),
    route({
      method: 'GET',
      url: '/api/v1/models/:name/history',
      operationId: 'stageHistory',
      summary: 'Every stage transition of a model, oldest first',
      tag: 'lifecycle',
      params: NameParams,
      responses: { 200: { description: 'the stage history', schema: StageHistory } },
      handler: async (req) => ({ items: await app.registry(actorOf(req)).stageHistory(req.params.name) }),
    }),
    route({
      method: 'PUT',
      url: '/api/v1/models/:name/aliases/:alias',
      operationId: 'setAlias',
      summary: 'Point an alias at a version',
      tag: 'lifecycle',
      params: AliasParams,
      body: AliasBody,
      bodyLimit: JSON_BODY_LIMIT,
      responses: { 204: { description: 'set' } },
      handler: async (req, reply) => {
        const { name, alias } = req.params;
        await app.registry(actorOf(req)).setAlias(name, alias, req.body.version);
        return reply.code(204).send();
      },
    }),
    route({
      method: 'DELETE',
      url: '/api/v1/models/:name/aliases/:alias',
      operationId: 'removeAlias',
      summary: 'Remove an alias',
      tag: 'lifecycle',
      params: AliasParams,
      responses: { 204: { description: 'removed' } },
      handler: async (req, reply) => {
        const { name, alias } = req.params;
        await app.registry(actorOf(req)).removeAlias(name, alias);
        return reply.code(204).send();
      },
    }),
  ];
}
