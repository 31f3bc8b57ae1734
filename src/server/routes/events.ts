import type { AppContext } from '../../app.ts';
import { actorOf } from '../actor.ts';
import { route, type RouteSpec } from '../route-spec.ts';
import { EventPage, EventQuery } from '../schemas/registry.ts';

/** The audit event log. */
export function eventRoutes(app: AppContext): RouteSpec[] {
  return [
    route({
      method: 'GET',
      url: '/api/v1/events',
      operationId: 'events',
      summary: 'Read the event log in append order; pass `nextCursor` as `after` for the next page',
      tag: 'events',
      querystring: EventQuery,
      responses: { 200: { description: 'a page of events', schema: EventPage } },
      handler: async (req) => {
        const { after, ...rest } = req.query;
        return app.registry(actorOf(req)).events({ ...rest, ...(after === undefined ? {} : { afterId: after }) });
      },
    }),
  ];
}
