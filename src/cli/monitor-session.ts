import type { MonitorApi } from '../monitor/service.ts';
import { withSession, type Session } from './context.ts';
import type { GlobalOptions } from './output.ts';

/** Runs `fn` with the monitoring API of an embedded home or a remote server, like withSession. */
export async function withMonitor<T>(opts: GlobalOptions, fn: (monitor: MonitorApi, session: Session) => Promise<T>): Promise<T> {
  const { localActor } = await import('./actor.ts');
  return withSession(opts, async (s) => {
    if (s.mode === 'embedded' && s.app) {
      return fn(await s.app.monitor(localActor()), s);
    }
    const { RemoteMonitor } = await import('../client/monitor.ts');
    return fn(new RemoteMonitor(s.client!), s);
  });
}
