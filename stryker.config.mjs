// Mutation testing of the guards: every module that refuses bad input, with the few test files that cover it.
// `npm run mutation` (scripts/mutation.mjs) runs each target on its own, against only its tests;
// `npx stryker run` runs all of them at once against the union of the tests (slow).

/** Guard modules (Stryker `mutate` globs) and the test files that hold their rules. */
export const targets = {
  'src/core/names.ts': ['test/core/names.test.ts', 'test/core/reference.test.ts'],
  'src/core/reference.ts': ['test/core/reference.test.ts'],
  'src/core/version.ts': ['test/core/version.test.ts'],
  'src/core/lifecycle.ts': ['test/core/lifecycle.test.ts'],
  'src/core/digest.ts': ['test/core/digest.test.ts'],
  'src/core/paths.ts': ['test/core/paths.test.ts'],
  'src/core/canonical-json.ts': ['test/core/canonical-json.test.ts'],
  'src/core/manifest.ts': ['test/core/manifest.test.ts'],
  'src/auth/permissions.ts': ['test/auth/permissions.test.ts'],
  'src/auth/tokens.ts': ['test/auth/tokens.test.ts'],
  'src/core/version-bump.ts': ['test/core/signature.test.ts'],
  'src/core/signature-diff.ts': ['test/core/signature.test.ts'],
  'src/registry/approvals.ts': ['test/registry/approval-rules.test.ts'],
  'src/registry/stage-checks.ts': ['test/registry/stage-checks.test.ts'],
  'src/policy/*.ts': ['test/policy/*.test.ts'],
  'src/storage/{fs-blob-store,hashed-write,upload-digests}.ts': ['test/storage/fs-blob-store.test.ts', 'test/storage/disk-errors.test.ts'],
  'src/audit/log/*.ts': ['test/audit/log/*.test.ts'],
  'src/integrity/signing/*.ts': ['test/integrity/signing/*.test.ts'],
  'src/integrity/keys/signing-policy.ts': ['test/integrity/keys/signing-policy-rules.test.ts', 'test/integrity/keys/signing-policy.test.ts'],
  'src/scan/{policy,gguf,hdf5,keras-config,npy,onnx,safetensors,tf-savedmodel}.ts': [
    'test/scan/bounds.test.ts',
    'test/scan/corpus.test.ts',
    'test/scan/pickle-rules.test.ts',
    'test/scan/property.test.ts',
  ],
  'src/formats/containers/*.ts': ['test/formats/containers.test.ts', 'test/scan/pickle-rules.test.ts'],
  'src/scan/registry-hooks.ts': ['test/scan/stage-gate.test.ts', 'test/registry/hooks.test.ts'],
  'src/storage/upload-lock.ts': ['test/storage/upload-writers.test.ts'],
  'src/registry/recorded-state.ts': ['test/audit/recorded-state.test.ts'],
  'src/registry/server-limits.ts': ['test/registry/server-limits.test.ts'],
  'src/server/json-depth.ts': ['test/server/json-depth.test.ts'],
  'src/server/{body-guard,rate-limit}.ts': ['test/server/body-guard.test.ts'],
};

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: Object.keys(targets),
  testRunner: 'tap',
  tap: {
    testFiles: [...new Set(Object.values(targets).flat())],
    // node:test prints TAP with this reporter; tsx runs the TypeScript sources in the sandbox.
    nodeArgs: ['--import', 'tsx', '--test-reporter=tap'],
  },
  // Each test file is one "test" to Stryker: a mutant runs only the files whose run reached it.
  coverageAnalysis: 'perTest',
  // No type checker: @stryker-mutator/typescript-checker drives the compiler's JavaScript API, which
  // TypeScript 7 does not ship (test/MUTATION.md). For the same reason Stryker must not parse tsconfig.json
  // (it would, to rewrite `extends` and `references`, which ours does not have): point it at no file.
  tsconfigFile: '',
  concurrency: 1,
  timeoutMS: 10000,
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  ignorePatterns: ['bench/out', 'dist', '.modelvault', 'reports'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
