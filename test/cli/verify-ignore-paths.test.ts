import assert from 'node:assert/strict';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { useCliTarget } from '../helpers/cli.ts';

const EXAMPLE = fileURLToPath(new URL('../../examples/fraud-detector', import.meta.url));

type Report = { ok: boolean; problems: { kind: string; path: string }[] };

/** `verify DIR --ignore-paths`: files that a signature or the registry does not cover, left out on request. */
for (const mode of ['embedded', 'remote'] as const) {
  describe(`modelvault verify DIR --ignore-paths (${mode})`, () => {
    const t = useCliTarget(mode, 'mv-ignore');
    let signed: string;
    let pushed: string;
    let pub: string;
    let key: string;
    const verify = async (dir: string, ...extra: string[]): Promise<{ code: number; report: Report; stderr: string }> => {
      const r = await t.cli('verify', dir, '--json', ...extra);
      return { code: r.code, report: r.json as Report, stderr: r.stderr };
    };
    const addExtras = (dir: string): void => {
      mkdirSync(join(dir, 'notes'));
      writeFileSync(join(dir, 'notes', 'review.md'), 'reviewed\n');
      writeFileSync(join(dir, 'train.log'), 'epoch 1\n');
    };

    before(async () => {
      const g = await t.cli('keys', 'generate', '--name', 'release', '--json');
      assert.equal(g.code, 0, g.stderr);
      ({ publicKeyFile: pub, privateKeyFile: key } = g.json as { publicKeyFile: string; privateKeyFile: string });
      signed = join(t.work, 'signed');
      cpSync(EXAMPLE, signed, { recursive: true });
      const s = await t.cli('sign', signed, '--key', key);
      assert.equal(s.code, 0, s.stderr);
      addExtras(signed);
      pushed = join(t.work, 'pushed');
      cpSync(EXAMPLE, pushed, { recursive: true });
      const p = await t.cli('push', pushed);
      assert.equal(p.code, 0, p.stderr);
      addExtras(pushed);
    });

    it('a signed directory with files the signature does not cover fails, and passes when they are ignored', async () => {
      const plain = await verify(signed, '--key', pub);
      assert.equal(plain.code, 1);
      assert.deepEqual(plain.report.problems.map((p) => [p.kind, p.path]).sort(), [['extra', 'notes/review.md'], ['extra', 'train.log']]);
      for (const flags of [['--ignore-paths', 'notes,train.log'], ['--ignore-paths', 'notes', '--ignore-paths', join(signed, 'train.log')]]) {
        const r = await verify(signed, '--key', pub, ...flags);
        assert.equal(r.code, 0, `${flags.join(' ')}: ${JSON.stringify(r.report)}`);
        assert.equal(r.report.ok, true);
      }
      const partly = await verify(signed, '--key', pub, '--ignore-paths', 'notes');
      assert.equal(partly.code, 1);
      assert.deepEqual(partly.report.problems.map((p) => p.path), ['train.log']);
    });

    it('ignoring a signed file does not hide that it changed elsewhere, and a path outside the directory is refused', async () => {
      writeFileSync(join(signed, 'metrics.json'), '{"auc": 0.99}\n');
      const r = await verify(signed, '--key', pub, '--ignore-paths', 'notes,train.log');
      assert.equal(r.code, 1);
      assert.deepEqual(r.report.problems.map((p) => [p.kind, p.path]), [['changed', 'metrics.json']]);
      const outside = await t.cli('verify', signed, '--key', pub, '--ignore-paths', '../elsewhere');
      assert.equal(outside.code, 2);
      assert.match(outside.stderr, /error\[invalid_input\]: ignore path "\.\.\/elsewhere" is not inside the model directory/);
    });

    it('a directory compared with its registered version leaves the ignored files out', async () => {
      const plain = await verify(pushed);
      assert.equal(plain.code, 1);
      assert.deepEqual(plain.report.problems.map((p) => [p.kind, p.path]).sort(), [['extra', 'notes/review.md'], ['extra', 'train.log']]);
      const r = await verify(pushed, '--ignore-paths', 'notes,train.log');
      assert.equal(r.code, 0, JSON.stringify(r.report));
    });

    it('refuses --ignore-paths for a stored version', async () => {
      const r = await t.cli('verify', 'fraud-detector@1.0.0', '--ignore-paths', 'notes');
      assert.equal(r.code, 2);
      assert.match(r.stderr, /error\[usage\]: --ignore-paths applies to a model directory/);
    });
  });
}
