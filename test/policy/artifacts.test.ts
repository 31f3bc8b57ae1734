import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import type { Digest } from '../../src/core/digest.ts';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { declaredDigests, validateModelDir, type Problem, type ValidationReport } from '../../src/policy/index.ts';
import { namingConventionViolation } from '../../src/policy/naming-convention.ts';
import { ARTIFACT, cleanup, goodMetadata, modelDir, tempRoot } from './fixtures.ts';

after(cleanup);

const sha = (s: string): Digest => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const errors = (r: ValidationReport): Problem[] => r.problems.filter((p) => p.severity === 'error');
const withArtifacts = (artifacts: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> => goodMetadata({ artifacts, ...extra });

describe('artifacts', () => {
  it('rejects a ".." path, naming the field and its line', async () => {
    const report = await validateModelDir(await modelDir({ metadata: withArtifacts([ARTIFACT, '../secret.onnx']) }));
    const [p] = errors(report);
    assert.equal(p?.rule, 'artifact-path');
    assert.equal(p?.field, 'artifacts[1]');
    assert.match(p?.message ?? '', /leaves the model directory/);
    assert.equal(typeof p?.line, 'number');
    assert.equal(report.ok, false);
  });

  it('rejects an absolute path', async () => {
    const [p] = errors(await validateModelDir(await modelDir({ metadata: withArtifacts(['/etc/passwd']) })));
    assert.equal(p?.rule, 'artifact-path');
    assert.match(p?.message ?? '', /absolute/);
  });

  it('reports a missing artifact, and hints at dvc pull when a .dvc file is present', async () => {
    const dir = await modelDir({ metadata: withArtifacts([ARTIFACT, 'fraud-detector_1.0.0_20240101.pt']) });
    await writeFile(path.join(dir, 'fraud-detector_1.0.0_20240101.pt.dvc'), 'outs: []\n');
    const [p] = errors(await validateModelDir(dir));
    assert.equal(p?.rule, 'artifact-missing');
    assert.equal(p?.field, 'artifacts[1]');
    assert.match(p?.hint ?? '', /dvc pull/);
  });

  it('rejects a symlink that escapes the directory and accepts one that stays inside', async () => {
    const outside = path.join(await tempRoot(), 'fraud-detector_1.0.0_20240101.pkl');
    await writeFile(outside, 'pickle');
    const dir = await modelDir({ metadata: withArtifacts([ARTIFACT, 'fraud-detector_1.0.0_20240101.pkl', 'link/fraud-detector_1.0.0_20240102.onnx']) });
    await symlink(outside, path.join(dir, 'fraud-detector_1.0.0_20240101.pkl'));
    await mkdir(path.join(dir, 'real'));
    await writeFile(path.join(dir, 'real', 'fraud-detector_1.0.0_20240102.onnx'), 'onnx');
    await symlink(path.join(dir, 'real'), path.join(dir, 'link'));
    const errs = errors(await validateModelDir(dir));
    assert.deepEqual(errs.map((p) => [p.rule, p.field]), [['artifact-outside', 'artifacts[1]']]);
  });

  it('rejects a directory symlink along the path that leaves the directory', async () => {
    const outsideDir = await tempRoot();
    await writeFile(path.join(outsideDir, ARTIFACT), 'x');
    const dir = await modelDir({ metadata: withArtifacts([`sub/${ARTIFACT}`]) });
    await symlink(outsideDir, path.join(dir, 'sub'));
    const [p] = errors(await validateModelDir(dir));
    assert.equal(p?.rule, 'artifact-outside');
  });

  it('accepts a TensorFlow SavedModel directory but not an arbitrary directory', async () => {
    const dir = await modelDir({ metadata: withArtifacts(['saved_model', 'weights']), files: { 'saved_model/saved_model.pb': 'pb', 'weights/a.bin': 'a', 'dataset-manifest.yaml': '' } });
    const errs = errors(await validateModelDir(dir));
    assert.deepEqual(errs.map((p) => [p.rule, p.field]), [['artifact-type', 'artifacts[1]']]);
  });

  it('verifies a declared sha256: match passes, mismatch names expected and actual', async () => {
    const good = await validateModelDir(await modelDir({ metadata: withArtifacts([{ path: ARTIFACT, checksum: sha('onnx-bytes') }]) }));
    assert.equal(good.ok, true, JSON.stringify(good.problems));
    const wrong = sha('other');
    const bad = await validateModelDir(await modelDir({ metadata: withArtifacts([{ path: ARTIFACT, checksum: wrong }]) }));
    const [p] = errors(bad);
    assert.equal(p?.rule, 'checksum-mismatch');
    assert.equal(p?.field, 'artifacts[0].checksum');
    assert.ok(p?.message.includes(wrong) && p.message.includes(sha('onnx-bytes')), p?.message);
  });

  it('skips hashing when verifyChecksums is false', async () => {
    const report = await validateModelDir(await modelDir({ metadata: withArtifacts([{ path: ARTIFACT, checksum: sha('other') }]) }), { verifyChecksums: false });
    assert.equal(report.ok, true);
  });

  it('verifies a sha256 training_hash against the single artifact', async () => {
    const ok = await validateModelDir(await modelDir({ metadata: goodMetadata({ training_hash: sha('onnx-bytes') }) }));
    assert.equal(ok.ok, true, JSON.stringify(ok.problems));
    const [p] = errors(await validateModelDir(await modelDir({ metadata: goodMetadata({ training_hash: sha('x') }) })));
    assert.equal(p?.rule, 'checksum-mismatch');
    assert.equal(p?.field, 'training_hash');
  });

  it('takes known digests from digestOf instead of hashing, and hashes the files it does not know', async () => {
    const dir = await modelDir({ metadata: goodMetadata({ training_hash: sha('onnx-bytes'), artifacts: [{ path: ARTIFACT }] }) });
    const asked: string[] = [];
    const told = sha('what the transfer saw');
    const report = await validateModelDir(dir, {
      digestOf: (real) => {
        asked.push(path.basename(real));
        return told;
      },
    });
    assert.deepEqual(asked, [ARTIFACT]);
    const [p] = errors(report);
    assert.equal(p?.rule, 'checksum-mismatch');
    assert.ok(p?.message.includes(told), p?.message);
    assert.equal((await validateModelDir(dir, { digestOf: () => undefined })).ok, true);
  });

  it('lists the declared digests: artifact checksums, and training_hash for a single artifact', () => {
    const a = sha('a');
    const b = sha('b');
    assert.deepEqual([...declaredDigests({ artifacts: [{ path: 'x.onnx', checksum: a.toUpperCase().replace('SHA256', 'sha256') }, 'y.bin'], training_hash: b })], [['x.onnx', a]]);
    assert.deepEqual([...declaredDigests({ artifacts: ['y.bin'], training_hash: b })], [['y.bin', b]]);
    assert.deepEqual([...declaredDigests({ artifacts: ['y.bin'], training_hash: 'e'.repeat(40) })], []);
  });

  it('warns about a duplicate artifact', async () => {
    const report = await validateModelDir(await modelDir({ metadata: withArtifacts([ARTIFACT, `./${ARTIFACT}`]) }));
    assert.equal(report.ok, true);
    assert.deepEqual(report.problems.map((p) => [p.rule, p.severity]), [['artifact-duplicate', 'warning']]);
  });
});

describe('naming convention', () => {
  it('warns, without failing, about a name off the convention and shows an example', async () => {
    const report = await validateModelDir(await modelDir({ metadata: withArtifacts(['model.onnx']), files: { 'model.onnx': 'x', 'dataset-manifest.yaml': '' } }));
    assert.equal(report.ok, true);
    const [p] = report.problems;
    assert.equal(p?.rule, 'naming-convention');
    assert.equal(p?.severity, 'warning');
    assert.equal(p?.field, 'artifacts[0]');
    assert.match(p?.hint ?? '', /fraud_detector_1\.0\.0_20240101\.onnx/);
  });

  it('treats "-" in a model name and "_" in a file name as the same separator', () => {
    const meta = { name: 'fraud-detector', version: '1.0.0' };
    assert.equal(namingConventionViolation('fraud_detector_1.0.0_20240101.onnx', meta), undefined);
    assert.equal(namingConventionViolation('fraud-detector_v1_20240101.onnx', meta), undefined);
    assert.match(namingConventionViolation('frauddetector_1.0.0_20240101.onnx', meta)?.reason ?? '', /model name "fraud_detector_"/);
  });

  it('is silent when turned off', async () => {
    const report = await validateModelDir(await modelDir({ metadata: withArtifacts(['model.onnx']), files: { 'model.onnx': 'x', 'dataset-manifest.yaml': '' } }), { namingConvention: 'off' });
    assert.deepEqual(report.problems, []);
  });

  it('accepts v1 and full versions, rejects bad dates and other versions', () => {
    const meta = { name: 'fraud_detector', version: '1.2.0' };
    assert.equal(namingConventionViolation('trained/fraud_detector_v1_20240101.pkl', meta), undefined);
    assert.equal(namingConventionViolation('fraud_detector_1.2.0_20240101.tar.gz', meta), undefined);
    assert.match(namingConventionViolation('fraud_detector_v1_20241301.pkl', meta)?.reason ?? '', /not a date/);
    assert.match(namingConventionViolation('fraud_detector_v2_20240101.pkl', meta)?.reason ?? '', /version 2/);
    assert.match(namingConventionViolation('fraud_detector_v1.pkl', meta)?.reason ?? '', /_\{version\}_\{YYYYMMDD\}/);
  });
});
