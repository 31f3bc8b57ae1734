import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeCampaign, killCampaign } from './kill-campaign.ts';

// `scripts/kill-campaign.ts` runs the same with 500 commands (or MODELVAULT_KILL_RUNS).
it('50 commands killed at random moments leave a home fsck finds whole once leftovers are repaired', { timeout: 600_000 }, async () => {
  const report = await killCampaign(Number(process.env.MODELVAULT_KILL_RUNS ?? 50), { seed: Number(process.env.MODELVAULT_KILL_SEED ?? 20261208) });
  const text = describeCampaign(report);
  assert.equal(report.inconsistent.length, 0, text);
  assert.ok(report.killed >= report.runs / 3, `only ${report.killed} of ${report.runs} commands were killed mid-way:\n${text}`);
  assert.ok(report.byOp.push!.killed >= 1, `no push was killed mid-way:\n${text}`);
});
