import type { AppContext } from '../../app.ts';
import { actorOf } from '../actor.ts';
import { JSON_BODY_LIMIT, route, type RouteSpec } from '../route-spec.ts';
import * as registrySchemas from '../../registry/schemas.ts';
import { AliasBody, AliasParams, ApprovalBody, ApprovalQuery, NameParams, RollbackBody, SelectorParams, StageBody, StageHistory, StagesAtQuery } from '../schemas/registry.ts';

const { ApprovalStatus, StageResult, StagesAt } = registrySchemas;

/** Stage transitions, approvals, rollback, stage history and aliases. */
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
        const { stage, reason, force } = req.body;
        // permission: admin when force
        return app.registry(actorOf(req)).setStage(`${name}@${selector}`, stage, reason, { force: force === true });
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
        const { stage, reason, force } = req.body;
        // permission: admin when force
        return app.registry(actorOf(req)).rollback(req.params.name, stage, reason, { force: force === true });
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
    // permission: read
    route({
      method: 'GET',
      url: '/api/v1/models/:name/stage-holders',
      operationId: 'stagesAt',
      summary: 'Which version held each stage at a time, who moved it there, who approved it and on what evidence',
      tag: 'lifecycle',
      params: NameParams,
      querystring: StagesAtQuery,
      responses: { 200: { description: 'the holders of each stage at that time', schema: StagesAt } },
      handler: async (req) => app.registry(actorOf(req)).stagesAt(req.params.name, req.query.at),
    }),
    // permission: approve
    route({
      method: 'POST',
      url: '/api/v1/models/:name/versions/:selector/approvals',
      operationId: 'approveVersion',
      summary: 'Approve a version for a stage (production) as the acting user, who must not be its pusher',
      tag: 'lifecycle',
      params: SelectorParams,
      body: ApprovalBody,
      bodyLimit: JSON_BODY_LIMIT,
      responses: { 201: { description: "recorded; the version's approvals for that stage", schema: ApprovalStatus } },
      handler: async (req, reply) => {
        const { name, selector } = req.params;
        const status = await app.registry(actorOf(req)).approve(`${name}@${selector}`, req.body.stage, req.body.comment);
        reply.code(201);
        return status;
      },
    }),
    // permission: read
    route({
      method: 'GET',
      url: '/api/v1/models/:name/versions/:selector/approvals',
      operationId: 'listApprovals',
      summary: 'The approvals of a version for a stage (production by default), current and stale',
      tag: 'lifecycle',
      params: SelectorParams,
      querystring: ApprovalQuery,
      responses: { 200: { description: "the version's approvals for that stage", schema: ApprovalStatus } },
      handler: async (req) => {
        const { name, selector } = req.params;
        return app.registry(actorOf(req)).listApprovals(`${name}@${selector}`, req.query.stage);
      },
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
