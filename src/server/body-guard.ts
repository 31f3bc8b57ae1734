import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { ModelVaultError } from '../core/errors.ts';
import type { ServerLimits } from '../registry/index.ts';

/** How often a body in progress is looked at. */
const CHECK_EVERY_MS = 1000;

/**
 * Cuts off a request whose body stalls (no byte for `bodyIdleMs`) or trickles (fewer than `minBodyRate` bytes a
 * second on average once `bodyGraceMs` have passed): a client that opens uploads and sends a byte now and then
 * would otherwise hold a connection, a temp file and an upload session for ever. It watches the socket's byte
 * count, so it never reads the body itself; what the route does with a cut body (a resumable upload keeps what
 * arrived, a plain PUT stores nothing) is unchanged.
 */
function watchBody(request: FastifyRequest, reply: FastifyReply, limits: ServerLimits): void {
  const raw = request.raw;
  const socket = raw.socket;
  if (raw.complete) return;
  const started = Date.now();
  const startBytes = socket.bytesRead;
  let lastBytes = startBytes;
  let lastAt = started;
  const timer = setInterval(() => {
    if (raw.complete || socket.destroyed) return clearInterval(timer);
    const now = Date.now();
    if (socket.bytesRead !== lastBytes) {
      lastBytes = socket.bytesRead;
      lastAt = now;
    }
    const idle = now - lastAt >= limits.bodyIdleMs;
    const elapsed = now - started;
    const rate = ((lastBytes - startBytes) * 1000) / Math.max(1, elapsed);
    const slow = elapsed >= limits.bodyGraceMs && rate < limits.minBodyRate;
    if (!idle && !slow) return;
    clearInterval(timer);
    request.log.warn({ reqId: request.id, ip: request.ip, received: lastBytes - startBytes, elapsedMs: elapsed }, idle ? 'request body stalled: connection closed' : 'request body too slow: connection closed');
    socket.destroy();
  }, Math.min(CHECK_EVERY_MS, limits.bodyIdleMs));
  timer.unref();
  reply.raw.once('close', () => clearInterval(timer));
}

/**
 * The hook of routes that take a body: the stall and trickle watch for every one, and for uploads a cap on how
 * many one user (or, without access control, one address) may run at once; one more is `too_many_requests`.
 */
export function bodyGuard(limits: ServerLimits, upload: boolean): onRequestHookHandler {
  const inFlight = new Map<string, number>();
  return (request, reply, done) => {
    const declared = request.headers['content-length'];
    const hasBody = request.headers['transfer-encoding'] !== undefined || (declared !== undefined && declared !== '0');
    if (!hasBody) return done();
    if (upload) {
      const who = request.principal && request.principal.via !== 'open' && request.principal.via !== 'anonymous' ? `user:${request.principal.name}` : `ip:${request.ip}`;
      const running = inFlight.get(who) ?? 0;
      if (running >= limits.maxUploadsPerUser) {
        return done(new ModelVaultError('too_many_requests', `${running} uploads from ${who.slice(who.indexOf(':') + 1)} are already in progress, the most this server allows at once`, {
          hint: 'wait for one to finish, or raise server.max_uploads_per_user in config.yaml',
        }));
      }
      inFlight.set(who, running + 1);
      reply.raw.once('close', () => {
        const left = (inFlight.get(who) ?? 1) - 1;
        if (left > 0) inFlight.set(who, left);
        else inFlight.delete(who);
      });
    }
    watchBody(request, reply, limits);
    done();
  };
}
