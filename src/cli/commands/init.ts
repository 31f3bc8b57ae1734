import type { Command } from 'commander';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emit, type GlobalOptions } from '../output.ts';

const CONFIG_TEMPLATE = `# ModelVault registry configuration.
lifecycle:
  # Where the previous production version goes when another is promoted: archived or staging.
  demote_production_to: archived
  # Approvals a version needs to enter production, from distinct users other than its pusher,
  # given after its last evidence (0: none needed).
  approvals:
    production: 2
policy:
  # Extra metadata fields this registry requires on top of the built-in ones.
  required_fields: []
  # Extra model card sections, each with the headings that satisfy it.
  model_card_sections: {}
  # File naming convention {model_name}_{version}_{date}.{ext}: warn or off.
  naming_convention: warn
# Scan verdicts that refuse a push, and that refuse entering each stage.
scan:
  block_push: [dangerous]
  block_stage:
    production: [dangerous, suspicious, unscannable]
# Stages a version may enter only with a valid signature by a trusted key.
signing:
  require_signature: []
# log:
#   origin: registry.example.com   # name of the audit log in its signed checkpoints
`;

/** `modelvault init`: creates the home, its database and a commented config.yaml. */
export function register(program: Command): void {
  program
    .command('init')
    .description('create the registry home (database, blob store, config.yaml)')
    .action(async (_o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const { openApp, resolveSettings } = await import('../../app.ts');
      const settings = resolveSettings({ home: opts.home });
      const app = await openApp(settings);
      let admin: Awaited<ReturnType<typeof import('../identity.ts').bootstrapAdmin>>;
      try {
        const [{ bootstrapAdmin }, { localActor }] = await Promise.all([import('../identity.ts'), import('../actor.ts')]);
        admin = await bootstrapAdmin(app, localActor());
      } finally {
        await app.close();
      }
      const configPath = join(settings.home, 'config.yaml');
      const createdConfig = !existsSync(configPath);
      if (createdConfig) writeFileSync(configPath, CONFIG_TEMPLATE, { mode: 0o644 });
      const adminInfo = admin ? { user: admin.user, tokenId: admin.id, token: admin.token, tokenFile: admin.file } : undefined;
      emit(opts, { home: settings.home, database: settings.databaseUrl.replace(/\/\/[^@/]*@/, '//***@'), blobs: settings.blobUrl, config: configPath, createdConfig, ...(adminInfo ? { admin: adminInfo } : {}) }, () =>
        [
          `registry ready in ${settings.home}`,
          `  database  ${settings.databaseUrl.replace(/\/\/[^@/]*@/, '//***@')}`,
          `  blobs     ${settings.blobUrl}`,
          `  config    ${configPath}${createdConfig ? ' (created)' : ''}`,
          ...(adminInfo
            ? ['', `created administrator ${adminInfo.user} with API token ${adminInfo.tokenId} (shown once, also in ${adminInfo.tokenFile}, mode 0600):`, '', `  ${adminInfo.token}`]
            : []),
        ].join('\n'),
      );
    });
}
