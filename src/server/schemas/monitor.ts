import { AnyObject, Closed, Str, Type } from '../../core/schema.ts';
import { MAX_METHOD_SPEC_LENGTH } from '../../monitor/index.ts';

// Reference profiles, observations, drift windows and model health as the HTTP API carries them.

export const DriftBody = Closed({
  window: Type.Optional(Str(16, { description: 'a count (10000) or a duration (30m, 1h, 7d)' })),
  method: Type.Optional(Str(MAX_METHOD_SPEC_LENGTH, { description: 'auto, one method (ks, psi, js, wasserstein, chi2, z), or entries per type and feature: numeric=ks,categorical=chi2,amount=wasserstein' })),
});
export const ProfileQuery = Closed({ source: Type.Optional(Str(500, { description: 'where the reference data came from' })) });
/** Monitoring reports are open-ended JSON documents. */
export const MonitorReport = AnyObject;
