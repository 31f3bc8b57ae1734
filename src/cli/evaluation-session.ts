import type { EvaluationApi } from '../evaluation/index.ts';
import { withSession, type Session } from './context.ts';
import type { GlobalOptions } from './output.ts';

/** Runs `fn` with evaluation and gates of an embedded home (local data read in place) or a remote server (data uploaded as a blob). */
export async function withEvaluation<T>(opts: GlobalOptions, fn: (api: EvaluationApi, session: Session) => Promise<T>): Promise<T> {
  const { localActor } = await import('./actor.ts');
  return withSession(opts, async (s) => {
    if (s.mode === 'embedded' && s.app) return fn(await s.app.evaluation(localActor()), s);
    const { RemoteEvaluation } = await import('../client/evaluation.ts');
    return fn(new RemoteEvaluation(s.client!), s);
  });
}
