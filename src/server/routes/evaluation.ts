import type { AppContext } from '../../app.ts';
import type { EvaluateRequest, GatesRequest } from '../../evaluation/index.ts';
import { EvaluateBody, EvaluationDocument, GatesRunBody } from '../../evaluation/schemas.ts';
import { actorOf } from '../actor.ts';
import { JSON_BODY_LIMIT, route, type RouteSpec } from '../route-spec.ts';
import { SelectorParams } from '../schemas/registry.ts';

/** Server-side evaluation and quality gates: the registry runs its stored model on data uploaded as a blob. */
export function evaluationRoutes(app: AppContext): RouteSpec[] {
  const base = '/api/v1/models/:name/versions/:selector';
  return [
    // permission: evaluate
    route({
      method: 'POST',
      url: `${base}/evaluate`,
      operationId: 'evaluateVersion',
      summary: "Run the version's stored ONNX model on uploaded data (a blob): quality metrics, latency, memory and claimed-metric differences, recorded as evaluation evidence",
      tag: 'evaluation',
      params: SelectorParams,
      body: EvaluateBody,
      bodyLimit: JSON_BODY_LIMIT,
      responses: { 200: { description: 'the evaluation as recorded', schema: EvaluationDocument } },
      handler: async (req) => {
        const { name, selector } = req.params;
        return (await app.evaluation(actorOf(req))).evaluate(`${name}@${selector}`, req.body as EvaluateRequest);
      },
    }),
    // permission: evaluate
    route({
      method: 'POST',
      url: `${base}/gates`,
      operationId: 'runGates',
      summary: 'Run every quality gate of gates.yaml on the stored version (against the production version or `baseline`) and record the outcome as gates evidence',
      tag: 'evaluation',
      params: SelectorParams,
      body: GatesRunBody,
      bodyLimit: JSON_BODY_LIMIT,
      responses: { 200: { description: 'the gate run as recorded', schema: EvaluationDocument } },
      handler: async (req) => {
        const { name, selector } = req.params;
        return (await app.evaluation(actorOf(req))).runGates(`${name}@${selector}`, (req.body ?? {}) as GatesRequest);
      },
    }),
  ];
}
