import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelVaultError } from '../../src/core/errors.ts';
import { parseInstant } from '../../src/core/instant.ts';

const NOW = new Date('2026-12-02T00:00:00.000Z');

describe('parseInstant', () => {
  for (const [text, iso] of [
    ['2026-12-01T10:00Z', '2026-12-01T10:00:00.000Z'],
    ['2026-12-01t10:00z', '2026-12-01T10:00:00.000Z'],
    ['2026-12-01T10:00:30.5+02:00', '2026-12-01T08:00:30.500Z'],
    ['2026-12-01', '2026-12-01T00:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    [' now ', '2026-12-02T00:00:00.000Z'],
    ['90s', '2026-12-01T23:58:30.000Z'],
    ['30m', '2026-12-01T23:30:00.000Z'],
    ['2h', '2026-12-01T22:00:00.000Z'],
    ['7d', '2026-11-25T00:00:00.000Z'],
    ['1w', '2026-11-25T00:00:00.000Z'],
  ] as const) {
    it(`reads ${JSON.stringify(text)} as ${iso}`, () => assert.equal(parseInstant(text, NOW), iso));
  }

  for (const text of ['2026-12-01T10:00', '2026-02-30', '2026-13-01', '2026-12-01T10:00+0200', 'yesterday', '2 h', '-2h', '', '1y', '12/01/2026']) {
    it(`refuses ${JSON.stringify(text)}, naming the field and the forms it takes`, () => {
      assert.throws(() => parseInstant(text, NOW, 'at'), (e: ModelVaultError) =>
        e.code === 'invalid_input' && e.message === `at ${JSON.stringify(text)} is not a time` && e.details.field === 'at' && /2026-12-01T10:00Z/.test(String(e.details.hint)));
    });
  }

  it('refuses what is not a string', () => {
    assert.throws(() => parseInstant(42 as unknown as string, NOW), (e: ModelVaultError) => e.code === 'invalid_input' && e.message === 'at 42 is not a time');
  });
});
