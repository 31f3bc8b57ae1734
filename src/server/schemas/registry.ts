import { TAG_KEY_PATTERN } from '../../core/names.ts';
import { AliasText, Closed, Dictionary, Matching, NameText, SelectorText, StageName, Str, Type, VersionText } from '../../core/schema.ts';
import * as registrySchemas from '../../registry/schemas.ts';

const { EventFilter, EvidenceSummary, Evidence, ModelSummary, pageOf, RegistryEvent, StageChange, VersionSummary } = registrySchemas;

// The HTTP shape of the registry's operations: path parameters, query strings and the bodies that wrap one argument.

export const NameParams = Closed({ name: NameText });
export const SelectorParams = Closed({ name: NameText, selector: SelectorText });
export const VersionParams = Closed({ name: NameText, version: VersionText });
export const AliasParams = Closed({ name: NameText, alias: AliasText });

export const ModelPage = pageOf(ModelSummary);
export const VersionPage = pageOf(VersionSummary);
export const EventPage = pageOf(RegistryEvent);
export const StageHistory = Closed({ items: Type.Array(StageChange) });
export const EvidenceList = Closed({ items: Type.Array(Evidence) });
export { EvidenceSummary };

export const DescriptionBody = Closed({ description: Str(10_000) });
export const TagsBody = Closed({ tags: Dictionary(Str(256), { minProperties: 1, maxProperties: 100, propertyNames: Matching(TAG_KEY_PATTERN, 64) }) });
export const TagKeysBody = Closed({ keys: Type.Array(Str(64), { minItems: 1, maxItems: 100 }) });
/** `force` moves past the checks that refuse the transition (an admin's override, recorded with its reason, which it requires). */
export const StageBody = Closed({ stage: StageName, reason: Type.Optional(Str(1000)), force: Type.Optional(Type.Boolean()) });
export const RollbackBody = Closed({ stage: Type.Optional(StageName), reason: Type.Optional(Str(1000)), force: Type.Optional(Type.Boolean()) });
export const ApprovalBody = Closed({ stage: StageName, comment: Type.Optional(Str(2000)) });
export const ApprovalQuery = Closed({ stage: Type.Optional(StageName) });
export const StagesAtQuery = Closed({ at: Str(64, { description: 'an ISO 8601 date or time with a zone, `now`, or a span before now such as 2h or 7d' }) });
export const AliasBody = Closed({ version: VersionText });

export const EvidenceQuery = Closed({ kind: Type.Optional(Str(64)) });
/** The version to compare with: `name@selector`, or a selector of the same model; by default the version this one follows. */
export const DiffQuery = Closed({ against: Type.Optional(Str(300, { description: 'NAME@VERSION (or stage, alias, latest), or a selector of the same model; default: the version this one follows' })) });
export const LineageQuery = Closed({ depth: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) });
const { afterId, ...eventFields } = EventFilter.properties;
/** The event log filter; `after` is the previous page's `nextCursor`. */
export const EventQuery = Closed({ ...eventFields, after: afterId });
