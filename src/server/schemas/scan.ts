import { Closed, Matching, Str, Type } from '../../core/schema.ts';
import { GLOBAL_NAME_PATTERN } from '../../scan/index.ts';
import { AllowlistEntry } from '../../scan/schemas.ts';

// The HTTP shape of the scanning service's operations.

export const ScanAllowlist = Closed({ items: Type.Array(AllowlistEntry) });
export const ScanAllowBody = Closed({ reason: Str(2000, { minLength: 1, description: 'why importing this global is harmless' }) });
export const GlobalParams = Closed({
  global: Matching(GLOBAL_NAME_PATTERN, 300, { description: 'a dotted module.name, e.g. mylib.layers.Custom' }),
});
