import { AnyObject, Closed, StringEnum, Str, Type } from '../../core/schema.ts';
import { DRIFT_METHODS } from '../../monitor/index.ts';

// Reference profiles, observations, drift windows and model health as the HTTP API carries them.

export const DriftBody = Closed({
  window: Type.Optional(Str(16, { description: 'a count (10000) or a duration (30m, 1h, 7d)' })),
  method: Type.Optional(StringEnum(DRIFT_METHODS)),
});
export const ProfileQuery = Closed({ source: Type.Optional(Str(500, { description: 'where the reference data came from' })) });
/** Monitoring reports are open-ended JSON documents. */
export const MonitorReport = AnyObject;
