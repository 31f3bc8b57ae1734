import type { Command } from 'commander';
import { io, type GlobalOptions, usage } from '../output.ts';

/** `modelvault serve`: runs the HTTP API until interrupted. */
export function register(program: Command): void {
  program
    .command('serve')
    .description('serve the registry over HTTP (default 127.0.0.1:7750)')
    .option('--host <host>', 'address to listen on', process.env.MODELVAULT_HOST ?? '127.0.0.1')
    .option('--port <port>', 'port to listen on', process.env.MODELVAULT_PORT ?? '7750')
    .action(async (o: { host: string; port: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw usage(`--port ${o.port} is not a port number`);
      const [{ openApp, resolveSettings }, { startServer }] = await Promise.all([import('../../app.ts'), import('../../server/index.ts')]);
      const app = await openApp(resolveSettings({ home: opts.home }));
      // A broken webhooks.yaml stops the server here, at its start.
      await app.webhooks('modelvault').catch(async (err: unknown) => {
        await app.close();
        throw err;
      });
      // A fresh home gets its first administrator, whose token the CLI on this machine reads from the home.
      const [{ bootstrapAdmin }, { localActor }] = await Promise.all([import('../identity.ts'), import('../actor.ts')]);
      const admin = await bootstrapAdmin(app, localActor());
      if (admin) io.stderr(`created administrator ${admin.user}; their API token is in ${admin.file} (mode 0600)\n`);
      if (!app.config.auth.enabled) io.stderr('warning: auth.enabled is false in config.yaml: anyone who can reach this server can do everything\n');
      const server = await startServer(app, { host: o.host, port });
      await app.startWebhookDelivery((err) => server.server.log.error({ err }, 'webhook delivery pass failed'));
      io.stderr(`modelvault listening on ${server.url} (home ${app.settings.home})\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      // New requests get 503 at once; those in flight may finish within the grace period. After it, or on a second
      // signal, their connections are closed: a resumable upload keeps what arrived, a plain upload stores nothing.
      const http = server.server.server;
      const grace = app.config.server.shutdownGraceMs;
      io.stderr(`stopping: waiting up to ${grace / 1000} s for requests in flight\n`);
      const cut = (why: string): void => {
        io.stderr(`stopping: ${why}; closing the connections still open\n`);
        http.closeAllConnections();
      };
      const timer = setTimeout(() => cut(`requests still running after ${grace / 1000} s`), grace);
      const again = (): void => cut('asked again');
      process.once('SIGINT', again);
      process.once('SIGTERM', again);
      try {
        await server.close();
      } finally {
        clearTimeout(timer);
        process.off('SIGINT', again);
        process.off('SIGTERM', again);
      }
      await app.close();
    });
}
