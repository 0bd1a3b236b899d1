/**
 * Route hooks that check credentials before the body is even read, so an
 * unauthenticated client cannot make the server parse anything.
 * @module
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { ServerContext } from '../context.js';

type Hook = (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

export function requireApiKey(ctx: ServerContext): Hook {
  return (req, _reply, done) => {
    try {
      ctx.auth.checkApiKey(req.headers);
      done();
    } catch (e) {
      done(e as Error);
    }
  };
}

export function requireAdmin(ctx: ServerContext): Hook {
  return (req, _reply, done) => {
    try {
      ctx.auth.checkAdmin(req.headers);
      done();
    } catch (e) {
      done(e as Error);
    }
  };
}
