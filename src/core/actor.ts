/**
 * The actor of a change as the audit log records it: the user's name, or `name (by admin)` when an
 * administrator acted for a named user, so both are on record.
 */
export function onBehalfOf(name: string, by: string): string {
  return name === by ? name : `${name} (by ${by})`;
}

/** The user a recorded actor acted as: `bob` for both `bob` and `bob (by alice)`. */
export function actingUser(actor: string): string {
  const m = /^(.*) \(by [^()]+\)$/.exec(actor);
  return m ? m[1]! : actor;
}
