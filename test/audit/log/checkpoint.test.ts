import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ModelVaultError } from '../../../src/core/errors.ts';
import {
  ed25519VerifierKey,
  formatCheckpoint,
  generateNoteKey,
  isValidKeyName,
  leafHash,
  noteKeyId,
  openCheckpoint,
  openNote,
  parseCheckpoint,
  parseSignerKey,
  parseVerifierKey,
  rootFromLeafHashes,
  signCheckpoint,
  signNote,
} from '../../../src/audit/log/index.ts';
import type { Checkpoint, NoteVerifier } from '../../../src/audit/log/index.ts';

// Published vectors of golang.org/x/mod/sumdb/note (note.go package doc and note_test.go).
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG = '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG = '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';

const withCode = (code: string, pattern?: RegExp) => (err: unknown) => err instanceof ModelVaultError && err.code === code && (pattern === undefined || pattern.test(err.message));

const sampleCheckpoint = (): Checkpoint => ({
  origin: 'modelvault.example/audit',
  size: 5,
  rootHash: rootFromLeafHashes([0, 1, 2, 3, 4].map((i) => leafHash(Buffer.from([i])))),
  extensions: [],
});

test('golang.org/x/mod/sumdb/note vector: signing reproduces the published note byte for byte', () => {
  const signer = parseSignerKey(PETER_SKEY);
  assert.equal(signer.name, 'PeterNeumann');
  assert.equal(signer.keyId, 0xc74f20a3);
  assert.equal(signer.verifierKey, PETER_VKEY);
  assert.equal(signNote(TEXT, signer), `${TEXT}\n${PETER_SIG}`);
});

test('golang.org/x/mod/sumdb/note vector: opening verifies known keys and sets aside unknown ones', () => {
  const peter = parseVerifierKey(PETER_VKEY);
  const enoch = parseVerifierKey(ENOCH_VKEY);
  assert.equal(peter.verifierKey, PETER_VKEY);
  assert.equal(noteKeyId('PeterNeumann', peter.publicKey), 0xc74f20a3);
  assert.equal(ed25519VerifierKey('EnochRoot', enoch.publicKey), ENOCH_VKEY);

  const one = openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [peter]);
  assert.equal(one.text, TEXT);
  assert.deepEqual(one.verified.map((s) => [s.name, s.keyId]), [['PeterNeumann', 0xc74f20a3]]);
  assert.deepEqual(one.unverified.map((s) => [s.name, s.keyId]), [['EnochRoot', 0xaf0cfe78]]);

  const both = openNote(Buffer.from(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`), [peter, enoch]);
  assert.deepEqual(both.verified.map((s) => s.name), ['PeterNeumann', 'EnochRoot']);
  assert.equal(both.unverified.length, 0);

  assert.throws(() => openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, []), withCode('verification_failed', /no signature from a known key/));
  assert.throws(() => openNote(`${TEXT}\n${ENOCH_SIG}`, [enoch, peter, enoch]), withCode('invalid_input', /ambiguous/));
  assert.doesNotThrow(() => openNote(`${TEXT}\n${PETER_SIG}`, [enoch, peter, enoch]));
});

test('golang.org/x/mod/sumdb/note vector: tampered, repeated and malformed notes', () => {
  const peter = parseVerifierKey(PETER_VKEY);
  assert.throws(() => openNote(`${TEXT.replace('cryptography', 'cryptographY')}\n${PETER_SIG}`, [peter]), withCode('verification_failed', /does not verify/));
  assert.throws(() => openNote(`${TEXT}\n${PETER_SIG.slice(0, 60)}ABCD${PETER_SIG.slice(60)}`, [peter]), withCode('verification_failed', /does not verify/));
  assert.throws(() => openNote(`${TEXT}\n${PETER_SIG.repeat(101)}`, [peter]), withCode('invalid_input', /more than 100/));

  const repeated = openNote(`${TEXT}\n${PETER_SIG}${PETER_SIG}${ENOCH_SIG}${ENOCH_SIG}`, [peter]);
  assert.equal(repeated.verified.length, 1);
  assert.equal(repeated.unverified.length, 1);

  const bad = [
    TEXT,
    `${TEXT}\n`,
    `${TEXT}\n${PETER_SIG.slice(0, -1)}`,
    `\x01${TEXT}\n${PETER_SIG}`,
    `${TEXT}\r\n${PETER_SIG}`,
    `${TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`,
    `${TEXT}\n${PETER_SIG}Unexpected line.\n`,
    `${TEXT}\n${PETER_SIG.replace('— ', '-- ')}`,
    `${TEXT}\n${PETER_SIG.replace('— ', '—')}`,
    `${TEXT}\n${PETER_SIG.replace('x08go', 'x08go ')}`,
    `${TEXT}\n${PETER_SIG.replace('AM=', 'AM')}`,
    `${TEXT}\n${PETER_SIG.replace('AM=', 'AN=')}`,
    `${TEXT}\n— PeterNeumann x08gow==\n`,
    `${TEXT}\n— PeterNeumann \n`,
    `${TEXT}\n— PeterNeumann\n`,
    `${TEXT}\n— a+b ${PETER_SIG.split(' ')[2]}`,
  ];
  for (const note of bad) assert.throws(() => openNote(note, [peter]), withCode('invalid_input', /malformed signed note|control character/), JSON.stringify(note));
  assert.throws(() => openNote(Buffer.concat([Buffer.from([0xff]), Buffer.from(`${TEXT}\n${PETER_SIG}`)]), [peter]), withCode('invalid_input', /UTF-8/));
});

test('a signature line with a known name but another key ID counts as an unknown key', () => {
  const peter = parseVerifierKey(PETER_VKEY);
  const raw = Buffer.from(PETER_SIG.split(' ')[2] as string, 'base64');
  raw.writeUInt32BE(0xc74f20a4, 0);
  const note = `${TEXT}\n— PeterNeumann ${raw.toString('base64')}\n`;
  assert.throws(() => openNote(note, [peter]), withCode('verification_failed', /PeterNeumann\+c74f20a4/));
  const renamed = `${TEXT}\n${PETER_SIG.replace('PeterNeumann', 'CarmenSandiego')}`;
  assert.throws(() => openNote(renamed, [peter]), withCode('verification_failed', /no signature from a known key/));
});

test('key strings: the published keys parse, every mangling of them is refused', () => {
  for (const [key, parse] of [
    [PETER_VKEY, parseVerifierKey],
    [PETER_SKEY, parseSignerKey],
  ] as const) {
    assert.doesNotThrow(() => parse(key));
    for (let i = 0; i <= key.length; i += 1) {
      for (let j = i + 1; j <= key.length; j += 1) {
        if (i !== 0 || j !== key.length) assert.throws(() => parse(key.slice(i, j)), ModelVaultError, key.slice(i, j));
      }
    }
    for (let i = 0; i < key.length; i += 1) {
      const mangled = key.slice(0, i) + String.fromCharCode(key.charCodeAt(i) + 1) + key.slice(i + 1);
      assert.throws(() => parse(mangled), ModelVaultError, mangled);
    }
  }
  // Right length and key ID, but an unknown signature type or a wrong key size.
  assert.throws(() => parseVerifierKey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=='), withCode('invalid_input', /32 bytes|base64/));
  assert.throws(() => parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'), withCode('invalid_input', /signature type 0x65/));
});

test('generated keys round-trip through their strings and sign notes others can open', () => {
  const pair = generateNoteKey('modelvault.example/audit');
  assert.match(pair.verifierKey, /^modelvault\.example\/audit\+[0-9a-f]{8}\+A[Q-Za-f][A-Za-z0-9+/]{42}$/);
  assert.match(pair.signerKey, /^PRIVATE\+KEY\+modelvault\.example\/audit\+[0-9a-f]{8}\+A[Q-Za-f][A-Za-z0-9+/]{42}$/);
  const signer = parseSignerKey(pair.signerKey);
  const verifier = parseVerifierKey(pair.verifierKey);
  assert.equal(signer.verifierKey, pair.verifierKey);
  assert.equal(signer.keyId, verifier.keyId);
  assert.equal(pair.verifierKey.split('+')[1], verifier.keyId.toString(16).padStart(8, '0'));
  const opened = openNote(signNote('hello\n', signer), [verifier]);
  assert.equal(opened.text, 'hello\n');
  const other = parseVerifierKey(generateNoteKey('modelvault.example/audit').verifierKey);
  assert.throws(() => openNote(signNote('hello\n', signer), [other]), withCode('verification_failed'));
  for (const name of ['', 'two words', 'a+b', 'tab\there', 'nbsp\u00a0here']) {
    assert.equal(isValidKeyName(name), false, JSON.stringify(name));
    assert.throws(() => generateNoteKey(name), withCode('invalid_input'));
  }
});

test('signNote refuses text a note cannot carry', () => {
  const signer = parseSignerKey(PETER_SKEY);
  assert.throws(() => signNote('no final newline', signer), withCode('invalid_input', /newline/));
  assert.throws(() => signNote('bell\x07\n', signer), withCode('invalid_input', /control character/));
  assert.throws(() => signNote('ok\n', []), withCode('invalid_input', /at least one signer/));
  assert.throws(() => signNote('ok\n', { name: 'bad name', keyId: 1, sign: () => Buffer.alloc(64) }), withCode('invalid_input', /key name/));
});

test('checkpoints: format, sign, open and parse round-trip', () => {
  const pair = generateNoteKey('modelvault.example/audit');
  const cp = { ...sampleCheckpoint(), extensions: ['ext one', 'ext two'] };
  const body = formatCheckpoint(cp);
  assert.equal(body, `modelvault.example/audit\n5\n${cp.rootHash.toString('base64')}\next one\next two\n`);
  const note = signCheckpoint(cp, parseSignerKey(pair.signerKey));
  assert.ok(note.startsWith(`${body}\n— modelvault.example/audit `));
  const opened = openCheckpoint(note, [parseVerifierKey(pair.verifierKey)]);
  assert.deepEqual(opened.checkpoint, cp);
  assert.equal(opened.verified[0]?.name, 'modelvault.example/audit');
  assert.deepEqual(parseCheckpoint(formatCheckpoint({ ...cp, size: 0, extensions: [] })).size, 0);
});

test('checkpoints: a tampered origin, size, root or signature is rejected', () => {
  const pair = generateNoteKey('modelvault.example/audit');
  const verifier: NoteVerifier = parseVerifierKey(pair.verifierKey);
  const cp = sampleCheckpoint();
  const note = signCheckpoint(cp, parseSignerKey(pair.signerKey));
  const otherRoot = Buffer.from(cp.rootHash);
  otherRoot[0] = (otherRoot[0] as number) ^ 1;
  const tampered = [
    note.replace('modelvault.example/audit\n5\n', 'modelvault.example/audiT\n5\n'),
    note.replace('\n5\n', '\n6\n'),
    note.replace(cp.rootHash.toString('base64'), otherRoot.toString('base64')),
    note.replace('\n5\n', '\n5\nextension\n'),
  ];
  for (const t of tampered) assert.throws(() => openCheckpoint(t, [verifier]), withCode('verification_failed'), t);
  const sigStart = note.lastIndexOf(' ') + 10;
  const flipped = note.slice(0, sigStart) + (note[sigStart] === 'A' ? 'B' : 'A') + note.slice(sigStart + 1);
  assert.throws(() => openCheckpoint(flipped, [verifier]), withCode('verification_failed', /does not verify/));
});

test('checkpoints: the C2SP example parses, and its signature by an unknown key is not enough', () => {
  const example = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
  const cp = parseCheckpoint(example);
  assert.equal(cp.origin, 'example.com/behind-the-sofa');
  assert.equal(cp.size, 20852163);
  assert.equal(formatCheckpoint(cp), example);
  const note = `${example}\n— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n`;
  const ours = parseVerifierKey(generateNoteKey('example.com/behind-the-sofa').verifierKey);
  assert.throws(() => openCheckpoint(note, [ours]), withCode('verification_failed', /no signature from a known key/));
});

test('checkpoints: strict parsing refuses malformed bodies', () => {
  const root = sampleCheckpoint().rootHash.toString('base64');
  const body = (size: string, root64 = root, tail = '\n') => `log.example\n${size}\n${root64}${tail}`;
  const bad: [string, RegExp][] = [
    [body('5', root, ''), /end with a newline/],
    ['log.example\n5\n', /at least 3/],
    [body('05'), /canonical decimal/],
    [body('-1'), /canonical decimal/],
    [body('+5'), /canonical decimal/],
    [body(' 5'), /canonical decimal/],
    [body('5.0'), /canonical decimal/],
    [body('1e3'), /canonical decimal/],
    [body('0x10'), /canonical decimal/],
    [body(''), /line 2 is empty/],
    [body('9007199254740992'), /beyond 2\^53/],
    [body('5', root.replace(/=$/, '')), /base64/],
    [body('5', root.replace(/[+/]/g, '-').replace(/^./, '-')), /base64/],
    [body('5', `${root.slice(0, -2)}B=`), /base64/],
    [body('5', ` ${root}`), /base64/],
    [body('5', Buffer.alloc(31).toString('base64')), /31 bytes/],
    [body('5', Buffer.alloc(33).toString('base64')), /33 bytes/],
    [body('5', root, '\n\n'), /line 4 is empty/],
    [body('5', root, '\next\n\n'), /line 5 is empty/],
    ['\n5\n' + root + '\n', /line 1 is empty/],
    [body('5', root, '\r\n'), /control character/],
    [body('5', root, '\nnul\u0000\n'), /control character/],
  ];
  for (const [text, why] of bad) assert.throws(() => parseCheckpoint(text), withCode('invalid_input', why), JSON.stringify(text));
  assert.throws(() => formatCheckpoint({ ...sampleCheckpoint(), extensions: [''] }), withCode('invalid_input'));
  assert.throws(() => formatCheckpoint({ ...sampleCheckpoint(), origin: 'a\nb' }), withCode('invalid_input'));
  assert.throws(() => formatCheckpoint({ ...sampleCheckpoint(), size: -1 }), withCode('invalid_input'));
  assert.throws(() => formatCheckpoint({ ...sampleCheckpoint(), rootHash: Buffer.alloc(16) }), withCode('invalid_input'));
});

test('property: any checkpoint round-trips through its text', () => {
  const line = fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }).filter((s) => !/[\u0000-\u001f]/.test(s));
  fc.assert(
    fc.property(line, fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.array(line, { maxLength: 3 }), (origin, size, root, extensions) => {
      const cp: Checkpoint = { origin, size, rootHash: Buffer.from(root), extensions };
      assert.deepEqual(parseCheckpoint(formatCheckpoint(cp)), cp);
    }),
  );
});

test('property: parsers answer arbitrary input with a result or a ModelVaultError, never a crash', () => {
  const peter = parseVerifierKey(PETER_VKEY);
  const pieces = fc.constantFrom('\n', '— ', 'PeterNeumann ', 'x08go/', '=', '+', ' ', '0', '5', 'AAAA', PETER_SIG, TEXT, '\u2014');
  const input = fc.oneof(fc.string(), fc.array(pieces, { maxLength: 12 }).map((p) => p.join('')));
  fc.assert(
    fc.property(input, (text) => {
      for (const run of [() => parseCheckpoint(text), () => openNote(text, [peter]), () => parseVerifierKey(text), () => parseSignerKey(text)]) {
        try {
          run();
        } catch (err) {
          assert.ok(err instanceof ModelVaultError, `unexpected ${String(err)} for ${JSON.stringify(text)}`);
        }
      }
    }),
    { numRuns: 500 },
  );
});
