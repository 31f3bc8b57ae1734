import type { FastifyRequest } from 'fastify';

/** The actor recorded for the request's changes: the authenticated user (or who an administrator acts for). */
export function actorOf(request: FastifyRequest): string {
  return request.actor ?? 'anonymous';
}
