import { NAME_PATTERN } from '../core/names.ts';
import { VERSION_TEXT_PATTERN } from '../core/version.ts';
import type { RegistryEvent } from '../registry/index.ts';
import type { WebhookEventName } from './types.ts';

/**
 * The registry event actions each webhook event type is made of. Approvals are logged as `version.approve`;
 * an action named like an event type (`approval.given`, `gate.failed`) is that event type, so a capability
 * can log one under its webhook name. `version.rollback` is not listed, since a rollback logs a
 * `version.stage` event for each version it moves.
 */
export const EVENT_OF_ACTION: Readonly<Record<string, WebhookEventName>> = {
  'version.push': 'version.created',
  'version.stage': 'stage.changed',
  'alias.set': 'alias.changed',
  'alias.rm': 'alias.changed',
  'version.approve': 'approval.given',
  'approval.given': 'approval.given',
  'gate.failed': 'gate.failed',
};

/** The JSON body of a registry webhook. */
export interface WebhookPayload {
  event: WebhookEventName;
  /** The registry event's id: the same event delivered twice carries the same id. */
  eventId: number;
  model: string;
  version: string | null;
  stage: string | null;
  actor: string;
  time: string;
  /** The event's own details (stage `from`/`to`, alias, manifest digest, …). */
  data: Record<string, unknown>;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** The payload a registry event is delivered as, or undefined when no webhook event type covers it. */
export function payloadOf(e: RegistryEvent): WebhookPayload | undefined {
  const event = EVENT_OF_ACTION[e.action];
  if (!event) return undefined;
  const at = e.subject.indexOf('@');
  const model = at > 0 ? e.subject.slice(0, at) : str(e.payload.model);
  if (model === null || !NAME_PATTERN.test(model)) return undefined;
  const selector = at > 0 ? e.subject.slice(at + 1) : '';
  const p = e.payload;
  const body = (version: string | null, stage: string | null, data: Record<string, unknown>): WebhookPayload => ({ event, eventId: e.id, model, version, stage, actor: e.actor, time: e.time, data });
  switch (e.action) {
    case 'version.push':
      return body(selector, 'development', { manifestDigest: p.manifest_digest });
    case 'version.stage':
      return body(selector, str(p.to), { from: p.from, to: p.to, reason: p.reason ?? null });
    case 'alias.set':
    case 'alias.rm':
      return body(str(p.version), null, { alias: p.alias, previous: p.previous ?? null, removed: e.action === 'alias.rm' });
    default:
      return body(str(p.version) ?? (VERSION_TEXT_PATTERN.test(selector) ? selector : null), str(p.stage) ?? str(p.to), p);
  }
}
