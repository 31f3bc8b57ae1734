import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { ModelVaultError } from '../core/errors.ts';
import { formatFieldPath } from '../core/field-path.ts';
import { signatureFromSpec, signatureSpecProblems, type ModelSignature, type SignatureSpec, type SignatureSpecProblem } from '../core/signature.ts';
import { SignatureSpecSchema } from '../core/signature-schema.ts';
import { describeSchemaErrors } from './metadata-schema.ts';

let compiled: ValidateFunction | undefined;

/** Every problem of a `metadata.signature` value (paths below `signature`): its shape first, then dtypes and names. */
export function signatureProblems(value: unknown): SignatureSpecProblem[] {
  const validate = (compiled ??= new Ajv2020({ allErrors: true, allowUnionTypes: true, strict: true }).compile(SignatureSpecSchema));
  if (!validate(value)) {
    return describeSchemaErrors(validate.errors ?? [], value, ['signature']).map((e) => ({ path: e.path, message: e.message, ...(e.hint === undefined ? {} : { hint: e.hint }) }));
  }
  return signatureSpecProblems(value as SignatureSpec);
}

/**
 * The signature `metadata.signature` declares, undefined when there is none; `invalid_metadata` naming every
 * field at fault when it is not a usable signature.
 */
export function declaredSignature(metadata: Record<string, unknown>): ModelSignature | undefined {
  if (metadata.signature === undefined) return undefined;
  const problems = signatureProblems(metadata.signature).map((p) => ({ field: formatFieldPath(['signature', ...p.path]), message: p.message, hint: p.hint }));
  const first = problems[0];
  if (first) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
    throw new ModelVaultError('invalid_metadata', `metadata ${first.field}: ${first.message}${more}`, {
      field: first.field,
      problems: problems.map((p) => ({ field: p.field, message: p.message })),
      hint: first.hint ?? 'fix metadata.signature, or leave it out when the model file is ONNX',
    });
  }
  return signatureFromSpec(metadata.signature as SignatureSpec);
}
