import { AnyObject, Closed, Type } from '../../core/schema.ts';

// Health, readiness and the API's own description.

export const Health = Closed({ status: Type.String() });
export const OpenApiJson = AnyObject;
