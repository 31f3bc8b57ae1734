import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { runCli, useCliTarget, type CliResult } from '../helpers/cli.ts';
import { makeModelDir } from '../helpers/model-dir.ts';

/** GLOBAL mylib.layers.Custom: a global no allowlist knows, so the scan calls the file suspicious and production refuses it. */
const CUSTOM_PICKLE = Buffer.from('\x80\x02cmylib.layers\nCustom\n)\x81.', 'latin1');

type Status = { name: string; version: string; stage: string; pushedBy: string; required: number; count: number; satisfied: boolean; approvals: { actor: string; comment: string | null; stale: boolean; staleReason: string | null }[] };
type Missing = { check: string; code: string; message: string };
type Change = { version: string; to: string; actor: string; reason: string | null; forced?: true; missing?: Missing[] };
type Holder = { stage: string; version: string; by: string; reason: string | null; forced: boolean; record: { approvals: { actor: string }[]; evidence: { scan: { digest: string } | null; gates: { digest: string } | null }; missing?: Missing[] } | null };

/** Approvals, the combined refusal, --force and `versions history --at`, embedded and against a live server. */
for (const mode of ['embedded', 'remote'] as const) {
  describe(`modelvault approve, approvals list, stage --force and versions history --at (${mode})`, () => {
    // The default config: production needs two approvals. Commands run as carol unless another actor is named.
    const t = useCliTarget(mode, 'mv-approvals');
    // Over HTTP the fixture's administrator token acts for each named user, and both names are recorded.
    const byAdmin = mode === 'remote' ? 'admin (by carol)' : 'admin';
    const cli = t.cli;
    const as = (actor: string, ...args: string[]): Promise<CliResult> => runCli(args, { ...t.env, MODELVAULT_ACTOR: actor });
    const ok = (r: CliResult): CliResult => {
      assert.equal(r.code, 0, r.stderr);
      return r;
    };
    let beforePromotion = '';

    it('refuses the pusher approving their own version and a second approval by the same user', async () => {
      ok(await cli('push', makeModelDir({ name: 'appr-model' }).dir));
      for (const s of ['validation', 'staging']) ok(await cli('stage', 'appr-model@1.0.0', s));
      const own = await cli('approve', 'appr-model@1.0.0', '--to', 'production');
      assert.equal(own.code, 2);
      assert.match(own.stderr, /^error\[forbidden\]: carol pushed appr-model@1\.0\.0 and cannot approve it: approvals must come from other users\n {2}hint: ask a reviewer other than carol/);

      const first = ok(await as('alice', 'approve', 'appr-model@1.0.0', '--to', 'production', '--comment', 'looks good', '--json')).json as Status;
      assert.deepEqual([first.count, first.required, first.satisfied, first.pushedBy], [1, 2, false, 'carol']);
      const twice = await as('alice', 'approve', 'appr-model@1.0.0', '--to', 'production');
      assert.equal(twice.code, 1);
      assert.match(twice.stderr, /^error\[conflict\]: alice already approved appr-model@1\.0\.0 for production at \S+; a user's approval counts once\n/);
      const wrongStage = await as('alice', 'approve', 'appr-model@1.0.0', '--to', 'staging');
      assert.equal(wrongStage.code, 2);
      assert.match(wrongStage.stderr, /^error\[invalid_input\]: approvals are given for production, not "staging"/);

      const listed = ok(await cli('approvals', 'list', 'appr-model@1.0.0', '--json')).json as Status;
      assert.deepEqual(listed.approvals.map((a) => [a.actor, a.comment, a.stale]), [['alice', 'looks good', false]]);
      const text = ok(await cli('approvals', 'list', 'appr-model@staging')).stdout;
      assert.match(text, /^appr-model@1\.0\.0 → production: 1 of 2 approvals; pushed by carol, whose approval does not count\nAPPROVER +AT +STATUS +COMMENT\nalice +\S+ +current +looks good\n$/);
    });

    it('refuses production with one error listing the approvals and the scan, and records a forced move with its reason', async () => {
      ok(await cli('push', makeModelDir({ name: 'sus-model', files: { 'custom.pkl': CUSTOM_PICKLE } }).dir));
      for (const s of ['validation', 'staging']) ok(await cli('stage', 'sus-model@1.0.0', s));
      ok(await as('alice', 'approve', 'sus-model@1.0.0', '--to', 'production'));
      const refused = await cli('stage', 'sus-model@1.0.0', 'production');
      assert.equal(refused.code, 1);
      const lines = refused.stderr.split('\n');
      assert.equal(lines[0], 'error[policy_violation]: sus-model@1.0.0 cannot enter production: 2 checks refuse it');
      assert.equal(lines[1], '  - approvals: sus-model@1.0.0 cannot enter production: it needs 2 approvals from users other than its pusher carol and has 1 of 2 (alice)');
      assert.match(lines[2]!, /^ {2}- scan: sus-model@1\.0\.0 cannot enter production: the scan policy refuses dangerous, suspicious, unscannable files there/);
      assert.match(refused.stderr, /\n {2}custom\.pkl: suspicious global mylib\.layers\.Custom at offset 2/);
      assert.match(refused.stderr, /\n {2}hint: approvals: reviewers other than carol approve with `modelvault approve sus-model@1\.0\.0 --to production`.*; scan: /);
      const json = (await cli('stage', 'sus-model@1.0.0', 'production', '--json')).json as { error: { code: string; details: { missing: Missing[] } } };
      assert.deepEqual(json.error.details.missing.map((m) => [m.check, m.code]), [['approvals', 'policy_violation'], ['scan', 'policy_violation']]);

      const noReason = await as('admin', 'stage', 'sus-model@1.0.0', 'production', '--force');
      assert.equal(noReason.code, 2);
      assert.match(noReason.stderr, /^error\[usage\]: forcing sus-model@1\.0\.0 into production needs a reason: it is recorded with the move\n {2}hint: add --reason TEXT/);
      assert.equal(((await cli('versions', 'show', 'sus-model@1.0.0', '--json')).json as { stage: string }).stage, 'staging');

      const forced = ok(await as('admin', 'stage', 'sus-model@1.0.0', 'production', '--force', '--reason', 'incident 7: hotfix'));
      assert.equal(forced.stdout, 'sus-model@1.0.0: staging → production (forced)\n');
      const history = ok(await cli('models', 'history', 'sus-model', '--json')).json as Change[];
      const last = history.at(-1)!;
      assert.deepEqual([last.actor, last.to, last.reason, last.forced, last.missing?.map((m) => m.check)], [byAdmin, 'production', 'incident 7: hotfix', true, ['approvals', 'scan']]);
      assert.equal(history.filter((c) => c.forced).length, 1, 'only the forced move is marked');
      assert.match(ok(await cli('models', 'history', 'sus-model')).stdout, new RegExp(`\\n\\S+ +1\\.0\\.0 +staging +production +${byAdmin.replace(/[()]/g, '\\$&')} +incident 7: hotfix \\[forced past: approvals, scan\\]\\n$`));
      const holder = (ok(await cli('versions', 'history', 'sus-model', '--json')).json as { holders: Holder[] }).holders[0]!;
      assert.deepEqual([holder.stage, holder.by, holder.forced, holder.record?.missing?.map((m) => m.check)], ['production', byAdmin, true, ['approvals', 'scan']]);
      const events = ok(await cli('events', '--model', 'sus-model', '--json')).json as { items: { action: string; actor: string; payload: { reason?: string; forced?: boolean; missing?: Missing[] } }[] };
      const moved = events.items.filter((e) => e.action === 'version.stage').at(-1)!;
      assert.deepEqual([moved.actor, moved.payload.reason, moved.payload.forced, moved.payload.missing?.map((m) => m.check)], [byAdmin, 'incident 7: hotfix', true, ['approvals', 'scan']]);
    });

    it('lets two distinct approvers in, and makes their approvals stale when a re-scan adds evidence', async () => {
      const status = ok(await as('dave', 'approve', 'appr-model@1.0.0', '--to', 'production')).stdout;
      assert.match(status, /^approved appr-model@1\.0\.0 for production\nappr-model@1\.0\.0 → production: 2 of 2 approvals \(enough\)/);
      ok(await cli('scan', 'appr-model@1.0.0', '--rescan'));
      const stale = ok(await cli('approvals', 'list', 'appr-model@1.0.0', '--json')).json as Status;
      assert.deepEqual([stale.count, stale.approvals.map((a) => [a.actor, a.stale])], [0, [['alice', true], ['dave', true]]]);
      assert.match(stale.approvals[0]!.staleReason!, /^scan evidence was added at \S+, after this approval$/);
      const refused = await cli('stage', 'appr-model@1.0.0', 'production');
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /^error\[policy_violation\]: appr-model@1\.0\.0 cannot enter production: it needs 2 approvals from users other than its pusher carol and has 0 of 2; stale because evidence was added after them: alice, dave\n/);

      for (const a of ['alice', 'bob']) ok(await as(a, 'approve', 'appr-model@1.0.0', '--to', 'production'));
      await sleep(5);
      beforePromotion = new Date().toISOString();
      await sleep(5);
      assert.equal(ok(await cli('stage', 'appr-model@1.0.0', 'production')).stdout, 'appr-model@1.0.0: staging → production\n');
    });

    it('versions history --at says which version held each stage before and after a promotion, approved by whom, on what evidence', async () => {
      const then = ok(await cli('versions', 'history', 'appr-model', '--at', beforePromotion, '--json')).json as { at: string; holders: Holder[] };
      assert.equal(then.at, beforePromotion);
      assert.deepEqual(then.holders.map((h) => [h.stage, h.version, h.by]), [['staging', '1.0.0', 'carol']]);

      const now = ok(await cli('versions', 'history', 'appr-model', '--json')).json as { holders: Holder[] };
      assert.deepEqual(now.holders.map((h) => [h.stage, h.version, h.by, h.forced]), [['production', '1.0.0', 'carol', false]]);
      const record = now.holders[0]!.record!;
      assert.deepEqual(record.approvals.map((a) => a.actor), ['alice', 'bob']);
      const shown = ok(await cli('versions', 'show', 'appr-model@1.0.0', '--json')).json as { evidence: { kind: string; digest: string }[] };
      const scans = shown.evidence.filter((e) => e.kind === 'scan');
      assert.equal(scans.length, 2, 'the push and the re-scan each stored a report');
      assert.equal(record.evidence.scan!.digest, scans[1]!.digest);
      assert.equal(record.evidence.gates, null);

      const text = ok(await cli('versions', 'history', 'appr-model', '--at', 'now')).stdout;
      assert.match(text, /^appr-model at \S+\nproduction +appr-model@1\.0\.0 {2}since \S+ by carol\n {2}approved by {3}alice at \S+, bob at \S+\n {2}scan report {3}sha256:[0-9a-f]{64} \(\S+\)\n {2}gate results {2}-\n$/);
      const early = ok(await cli('versions', 'history', 'appr-model', '--at', '2000-01-01'));
      assert.equal(early.stdout, 'no version of appr-model held a stage at 2000-01-01T00:00:00.000Z\n');
      const bad = await cli('versions', 'history', 'appr-model', '--at', 'yesterday');
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /^error\[invalid_input\]: at "yesterday" is not a time\n/);
    });
  });
}
