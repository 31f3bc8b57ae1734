import { canonicalJson } from '../core/canonical-json.ts';
import { leafHash } from './log/index.ts';

/** The columns of an event row that its log leaf covers. */
export interface EventLeafFields {
  time: string;
  actor: string;
  action: string;
  subject: string;
  model: string | null;
  /** The payload as stored: canonical JSON text. */
  payload_json: string;
}

/**
 * The bytes of the log leaf of event number `index`: the RFC 8785 canonical JSON (UTF-8) of
 * `{"action","actor","index","model","payload","subject","time"}`, with `payload` the parsed
 * payload object and `model` null when the event concerns no model. The index is inside the leaf,
 * so an event moved to another position no longer matches its leaf.
 */
export function eventLeafData(index: number, e: EventLeafFields): Buffer {
  const payload = JSON.parse(e.payload_json) as unknown;
  return Buffer.from(canonicalJson({ index, time: e.time, actor: e.actor, action: e.action, subject: e.subject, model: e.model, payload }), 'utf8');
}

/** The RFC 9162 leaf hash of event number `index`. */
export function eventLeafHash(index: number, e: EventLeafFields): Buffer {
  return leafHash(eventLeafData(index, e));
}
