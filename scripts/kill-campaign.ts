// Kills modelvault commands (push, stage, alias, sign, scan allow, pull, users add) with SIGKILL at random moments
// and checks the home with `fsck --repair` after each; prints the counts and exits 1 if any home was left broken.
// Usage: npx tsx scripts/kill-campaign.ts [RUNS] [SEED]   (defaults 500 and the current time)
import { describeCampaign, killCampaign } from '../test/reliability/kill-campaign.ts';

const runs = Number(process.argv[2] ?? 500);
const seed = Number(process.argv[3] ?? Date.now() % 2 ** 31);
if (!Number.isSafeInteger(runs) || runs < 1 || !Number.isSafeInteger(seed)) {
  console.error('usage: npx tsx scripts/kill-campaign.ts [RUNS] [SEED]');
  process.exit(2);
}
console.error(`kill campaign: ${runs} commands, seed ${seed}`);
const report = await killCampaign(runs, {
  seed,
  onRun: (o, i) => {
    if ((i + 1) % 25 === 0 || o.fsckExit !== 0) process.stderr.write(`  ${i + 1}/${runs} ${o.op} ${o.exit === null ? `killed at ${o.delayMs} ms` : `exit ${o.exit}`}${o.fsckExit === 0 ? '' : ` INCONSISTENT: ${o.problems.join('; ')}`}\n`);
  },
});
console.log(describeCampaign(report));
process.exitCode = report.inconsistent.length === 0 ? 0 : 1;
