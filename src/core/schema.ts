import { Type, type ObjectOptions, type Static, type StringOptions, type TObject, type TProperties, type TSchema, type TString, type TUnsafe } from '@sinclair/typebox';
import { DIGEST_TEXT_PATTERN, type Digest } from './digest.ts';
import { ALIAS_PATTERN, NAME_PATTERN, STAGES, type Stage } from './names.ts';
import { SELECTOR_PATTERN } from './reference.ts';
import { VERSION_TEXT_PATTERN } from './version.ts';

// JSON Schemas of the core domain values, built from the same patterns the assert functions use, and the
// builders every capability declares its request and response schemas with; TypeScript types are derived
// from the schemas with `Static`, so each shape is written once.

export { Type, type Static, type TSchema } from '@sinclair/typebox';

/** A string of at most `maxLength` characters. */
export function Str(maxLength: number, options: StringOptions = {}): TString {
  return Type.String({ maxLength, ...options });
}

/** A string matching one of the core patterns. */
export function Matching(pattern: RegExp, maxLength: number, options: StringOptions = {}): TString {
  return Type.String({ maxLength, pattern: pattern.source, ...options });
}

/** An object with exactly these properties (`Type.Optional` marks the ones that may be left out). */
export function Closed<P extends TProperties>(properties: P, options: ObjectOptions = {}): TObject<P> {
  return Type.Object(properties, { additionalProperties: false, ...options });
}

/** `schema` or null, written as a type array (plain in the OpenAPI document, fast to serialise). */
export function Nullable<T extends TSchema>(schema: T): TUnsafe<Static<T> | null> {
  return Type.Unsafe<Static<T> | null>({ ...Object.fromEntries(Object.entries(schema)), type: [schema.type as string, 'null'] });
}

/** One of a fixed list of strings, as a JSON Schema `enum`. */
export function StringEnum<const V extends readonly string[]>(values: V, options: { description?: string } = {}): TUnsafe<V[number]> {
  return Type.Unsafe<V[number]>({ type: 'string', enum: [...values], ...options });
}

/** An object whose every property value matches `value`. */
export function Dictionary<V extends TSchema>(value: V, options: ObjectOptions = {}): TUnsafe<Record<string, Static<V>>> {
  return Type.Unsafe<Record<string, Static<V>>>({ type: 'object', additionalProperties: value, ...options });
}

/** Any JSON object. */
export const AnyObject = Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true });
/** A byte count or other non-negative integer. */
export const Count = Type.Integer({ minimum: 0 });
/** An ISO 8601 time. */
export const Time = Str(64, { description: 'an ISO 8601 time' });
/** A page size. */
export const Limit = Type.Integer({ minimum: 1, maximum: 1000 });
/** The cursor of the next page. */
export const Cursor = Str(1024, { description: 'the `nextCursor` of the previous page' });

/** A model or dataset name. */
export const NameText = Matching(NAME_PATTERN, 128, { description: 'a model name' });
/** What follows `@` in a reference. */
export const SelectorText = Matching(SELECTOR_PATTERN, 200, { description: 'a version, stage, alias or `latest`' });
/** A semantic version as written. */
export const VersionText = Matching(VERSION_TEXT_PATTERN, 128, { description: 'a semantic version' });
/** An alias name. */
export const AliasText = Matching(ALIAS_PATTERN, 128);
/** A lifecycle stage. */
export const StageName = StringEnum(STAGES) satisfies TUnsafe<Stage>;
/** A sha256 digest as clients may write it (any case of hex). */
export const DigestText = Type.Unsafe<Digest>(Matching(DIGEST_TEXT_PATTERN, 71, { description: '`sha256:` and 64 hexadecimal digits' }));
