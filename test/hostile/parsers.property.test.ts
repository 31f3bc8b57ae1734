import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import YAML from 'yaml';
import { parseAuthConfig } from '../../src/auth/index.ts';
import { generateNoteKey, openCheckpoint, parseVerifierKey } from '../../src/audit/index.ts';
import { parseSignerKey, signCheckpoint } from '../../src/audit/log/index.ts';
import { ModelVaultError } from '../../src/core/errors.ts';
import { checkManifest } from '../../src/core/manifest.ts';
import { parseGatesConfig } from '../../src/evaluation/index.ts';
import { parseBundle } from '../../src/integrity/signing/bundle.ts';
import { loadConfig } from '../../src/registry/index.ts';
import { parseServerLimits } from '../../src/registry/server-limits.ts';
import { parseWebhooksConfig } from '../../src/subscriptions/index.ts';
import { tempDir } from '../helpers/model-dir.ts';

// Hostile input to every parser of text an operator or a client hands the registry: whatever comes in, the answer
// is a value or a ModelVaultError naming what is wrong (or, for a bundle, a refusal), never a TypeError or a hang.
const RUNS = Number(process.env.MODELVAULT_FUZZ_RUNS ?? 200);
const ROOT = new URL('../../', import.meta.url);
const home = tempDir('mv-fuzz-');
after(() => rmSync(home, { recursive: true, force: true }));

/** Only a ModelVaultError (of an input code) may come out of `f`. */
function refusesCleanly(f: () => unknown): void {
  try {
    f();
  } catch (err) {
    assert.ok(err instanceof ModelVaultError, `not a ModelVaultError: ${(err as Error)?.stack ?? String(err)}`);
    assert.ok(['invalid_input', 'invalid_name', 'invalid_path', 'invalid_digest', 'invalid_metadata', 'usage'].includes(err.code), `${err.code}: ${err.message}`);
    assert.ok(err.message.length > 0 && err.message.length < 2000);
  }
}

/** Text near a valid document: the document with random cuts, insertions and replacements. */
function mutated(valid: string): fc.Arbitrary<string> {
  const edit = fc.tuple(fc.nat({ max: valid.length }), fc.nat({ max: 20 }), fc.string({ maxLength: 12 }));
  return fc.array(edit, { minLength: 1, maxLength: 6 }).map((edits) => edits.reduce((s, [at, cut, put]) => s.slice(0, at) + put + s.slice(at + cut), valid));
}

/** YAML text: random strings, random values dumped as YAML, and edits of a real file. */
function yamlText(valid: string): fc.Arbitrary<string> {
  return fc.oneof(fc.string({ maxLength: 200 }), fc.anything({ maxDepth: 4 }).map((v) => YAML.stringify(v) ?? ''), mutated(valid));
}

/** Values where a setting's mapping is expected: anything, and mappings of the right keys with wrong values. */
function settings(keys: string[]): fc.Arbitrary<unknown> {
  return fc.oneof(fc.anything({ maxDepth: 3 }), fc.dictionary(fc.constantFrom(...keys), fc.anything({ maxDepth: 2 }), { maxKeys: keys.length }));
}

describe('parsers given hostile input', () => {
  it('config.yaml: a config or an invalid_input naming the file', () => {
    const valid = `lifecycle:\n  demote_production_to: staging\n  approvals:\n    production: 2\npolicy:\n  required_fields: [contact]\n  naming_convention: warn\nscan:\n  block_push: [dangerous]\nsigning:\n  require_signature: [production]\nauth:\n  anonymous_read: false\nserver:\n  rate_limit: 10\n`;
    fc.assert(
      fc.property(yamlText(valid), (text) => {
        writeFileSync(join(home, 'config.yaml'), text);
        refusesCleanly(() => loadConfig(home));
      }),
      { numRuns: RUNS },
    );
  });

  it('config.yaml: an alias without its anchor, an alias bomb and a file that is not a mapping name the file', () => {
    const file = join(home, 'config.yaml');
    const cases: [string, RegExp][] = [
      ['*nowhere\n', /^.*config\.yaml: Unresolved alias/],
      [`a: &a [x, x, x, x, x, x, x, x, x, x]\n${Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`).join('\n')}\n`, /^.*config\.yaml: Excessive alias count/],
      ['- lifecycle\n- policy\n', /config\.yaml: the file must be a mapping of settings \(lifecycle, policy, scan, signing, auth, server…\), not a list$/],
      ['just words\n', /config\.yaml: the file must be a mapping of settings .*, not "just words"$/],
    ];
    for (const [text, message] of cases) {
      writeFileSync(file, text);
      assert.throws(() => loadConfig(home), (e: unknown) => e instanceof ModelVaultError && e.code === 'invalid_input' && message.test(e.message) && e.details.path === file, text.slice(0, 40));
    }
  });

  it('gates.yaml: a gate configuration or an invalid_input naming the setting', () => {
    const valid = readFileSync(new URL('examples/gates.yaml', ROOT), 'utf8');
    fc.assert(fc.property(yamlText(valid), (text) => refusesCleanly(() => parseGatesConfig(text, 'gates.yaml'))), { numRuns: RUNS });
  });

  it('webhooks.yaml, the auth block and the server block, parsed from any value', () => {
    fc.assert(
      fc.property(settings(['allow_addresses', 'poll_ms', 'webhooks']), (doc) => refusesCleanly(() => parseWebhooksConfig(doc, 'webhooks.yaml', {}))),
      { numRuns: RUNS },
    );
    fc.assert(fc.property(settings(['enabled', 'anonymous_read', 'roles', 'oidc']), (doc) => refusesCleanly(() => parseAuthConfig(doc, 'config.yaml'))), { numRuns: RUNS });
    fc.assert(
      fc.property(settings(['body_idle_timeout', 'min_body_rate', 'body_grace', 'max_uploads_per_user', 'shutdown_grace', 'rate_limit']), (doc) => refusesCleanly(() => parseServerLimits(doc, 'config.yaml'))),
      { numRuns: RUNS },
    );
  });

  it('a version manifest from a client: normalised entries or a refusal naming the entry', () => {
    const entry = fc.record({ path: fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('../x', '.git/config', 'a\\b', 'A', 'a', 'a/b')), size: fc.oneof(fc.integer(), fc.double(), fc.string()), digest: fc.oneof(fc.string(), fc.stringMatching(/^[0-9a-f]{64}$/).map((h) => `sha256:${h}`)) });
    fc.assert(fc.property(fc.oneof(fc.array(entry, { maxLength: 8 }), fc.anything({ maxDepth: 2 })), (files) => refusesCleanly(() => checkManifest(files as never))), { numRuns: RUNS });
  });

  it('a Sigstore bundle: parsed or refused with a message, never thrown', () => {
    const valid = readFileSync(new URL('test/fixtures/interop/model-signing/v1.1.0-elliptic-key/model.sig', ROOT), 'utf8');
    assert.equal(parseBundle(valid).ok, true);
    fc.assert(
      fc.property(fc.oneof(mutated(valid), fc.anything({ maxDepth: 5 }).map((v) => JSON.stringify(v) ?? ''), fc.string()), (json) => {
        const r = parseBundle(json);
        if (!r.ok) assert.ok(typeof r.message === 'string' && r.message.length > 0);
      }),
      { numRuns: RUNS },
    );
  });

  it('a signed checkpoint: opened, or refused with a ModelVaultError', () => {
    const keys = generateNoteKey('example.com/log');
    const verifier = parseVerifierKey(keys.verifierKey);
    const note = signCheckpoint({ origin: 'example.com/log', size: 7, rootHash: Buffer.alloc(32, 7), extensions: [] }, parseSignerKey(keys.signerKey));
    assert.equal(openCheckpoint(note, [verifier]).checkpoint.size, 7);
    fc.assert(
      fc.property(fc.oneof(mutated(note), fc.string({ maxLength: 300 })), (text) => {
        try {
          openCheckpoint(text, [verifier]);
        } catch (err) {
          assert.ok(err instanceof ModelVaultError, `not a ModelVaultError: ${(err as Error)?.stack ?? String(err)}`);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
