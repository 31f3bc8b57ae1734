import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkTokenShape, newTokenId, newTokenSecret, parseExpiry, TOKEN_PREFIX, tokenHash } from '../../src/auth/tokens.ts';
import { ModelVaultError } from '../../src/core/errors.ts';

const BODY = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123-_x';
const NOW = new Date('2027-01-01T00:00:00.000Z');

const notOurs = (e: unknown): boolean =>
  e instanceof ModelVaultError &&
  e.code === 'unauthenticated' &&
  e.message === 'the bearer token is not a ModelVault API token (they start with mvt_) nor a JSON Web Token from a configured issuer' &&
  e.details.hint === 'create one with `modelvault tokens create` and send it as Authorization: Bearer <token>';
const malformed = (e: unknown): boolean =>
  e instanceof ModelVaultError && e.code === 'unauthenticated' && e.message === 'the API token is malformed (truncated or altered)' && e.details.hint === 'copy the whole token as `tokens create` printed it';
const badExpiry = (value: string) => (e: unknown): boolean =>
  e instanceof ModelVaultError &&
  e.code === 'invalid_input' &&
  e.message === `expiry ${JSON.stringify(value)} is not a duration or a time` &&
  e.details.field === 'expires' &&
  e.details.hint === 'use e.g. 30d, 12h, 2027-06-30T00:00:00Z or never';

describe('API token secrets', () => {
  it('start with mvt_ and carry 256 random bits as 43 base64url characters', () => {
    assert.equal(TOKEN_PREFIX, 'mvt_');
    const secrets = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const s = newTokenSecret();
      assert.match(s, /^mvt_[A-Za-z0-9_-]{43}$/);
      assert.equal(Buffer.from(s.slice(4), 'base64url').length, 32);
      checkTokenShape(s);
      secrets.add(s);
    }
    assert.equal(secrets.size, 50);
  });

  it('have public ids of tok_ and 12 hex digits, each new', () => {
    const ids = new Set(Array.from({ length: 50 }, newTokenId));
    for (const id of ids) assert.match(id, /^tok_[0-9a-f]{12}$/);
    assert.equal(ids.size, 50);
  });

  it('are stored as the hex SHA-256 of the whole secret', () => {
    assert.equal(tokenHash('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(tokenHash(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.notEqual(tokenHash(`mvt_${BODY}`), tokenHash(`mvt_${BODY.slice(0, -1)}y`));
  });
});

describe('checkTokenShape', () => {
  it('accepts mvt_ and 43 base64url characters', () => {
    assert.doesNotThrow(() => checkTokenShape(`mvt_${BODY}`));
    assert.doesNotThrow(() => checkTokenShape(`mvt_${'-'.repeat(43)}`));
  });

  it('says a token without the prefix is not one of ours, and how to get one', () => {
    for (const t of ['', 'mvt', 'MVT_' + BODY, 'eyJhbGciOiJSUzI1NiJ9.e30.sig', ` mvt_${BODY}`, `tok_${BODY}`]) assert.throws(() => checkTokenShape(t), notOurs, t);
  });

  it('says a token with the prefix but the wrong body is truncated or altered', () => {
    for (const t of ['mvt_', `mvt_${BODY.slice(1)}`, `mvt_${BODY}a`, `mvt_${BODY.slice(1)}+`, `mvt_${BODY.slice(1)}/`, `mvt_${BODY.slice(1)}=`, `mvt_${BODY.slice(1)}.`, `mvt_${BODY}\n`, `mvt_ ${BODY.slice(1)}`, `mvt_mvt_${BODY}`]) {
      assert.throws(() => checkTokenShape(t), malformed, JSON.stringify(t));
    }
  });
});

describe('parseExpiry', () => {
  it('reads never as no expiry', () => {
    assert.equal(parseExpiry('never', NOW), null);
  });

  it('adds a duration in minutes, hours, days or weeks to now', () => {
    assert.equal(parseExpiry('30m', NOW), '2027-01-01T00:30:00.000Z');
    assert.equal(parseExpiry('12h', NOW), '2027-01-01T12:00:00.000Z');
    assert.equal(parseExpiry('90d', NOW), '2027-04-01T00:00:00.000Z');
    assert.equal(parseExpiry('2w', NOW), '2027-01-15T00:00:00.000Z');
    assert.equal(parseExpiry('0m', NOW), NOW.toISOString());
    assert.equal(parseExpiry('1m', NOW), '2027-01-01T00:01:00.000Z');
    assert.equal(parseExpiry('99999m', NOW), new Date(NOW.getTime() + 99_999 * 60_000).toISOString());
  });

  it('counts a duration from the present when no time is given', () => {
    const before = Date.now();
    const at = Date.parse(parseExpiry('1h')!);
    assert.ok(at >= before + 3_600_000 && at <= Date.now() + 3_600_000, String(at - before));
  });

  it('takes a future ISO-8601 time, in UTC', () => {
    assert.equal(parseExpiry('2027-06-30T00:00:00Z', NOW), '2027-06-30T00:00:00.000Z');
    assert.equal(parseExpiry('2027-06-30T02:00:00+02:00', NOW), '2027-06-30T00:00:00.000Z');
    assert.equal(parseExpiry('2027-06-30', NOW), '2027-06-30T00:00:00.000Z');
    assert.equal(parseExpiry('2027-01-01T00:00:00.001Z', NOW), '2027-01-01T00:00:00.001Z');
    assert.equal(parseExpiry('2028-02-29', NOW), '2028-02-29T00:00:00.000Z');
  });

  it('refuses a time that is now or past, naming it', () => {
    for (const v of ['2026-12-31T23:59:59Z', '2027-01-01T00:00:00Z', '2000-01-01']) {
      assert.throws(
        () => parseExpiry(v, NOW),
        (e: unknown) => e instanceof ModelVaultError && e.code === 'invalid_input' && e.message === `expiry ${v} is in the past` && e.details.field === 'expires' && e.details.hint === 'give a future time, a duration such as 90d, or never',
        v,
      );
    }
  });

  it('refuses what is neither a duration nor an ISO-8601 time, with examples of both', () => {
    for (const v of ['', 'Never', '90', 'd', '90D', '90s', '90y', '-1d', '1.5d', '123456m', 'x90d', '90dx', ' 90d', '90d\n', 'Dec 25 2030', '2030-1-1', '2030-01-1', '2030-01-1 (2030-01-01)', ' 2030-01-01', '20300-01-01', '2030-13-01', '2030-02-30', '2030-04-31', '2031-02-29', 'soon']) {
      assert.throws(() => parseExpiry(v, NOW), badExpiry(v), JSON.stringify(v));
    }
  });
});
