/**
 * The only body parser: `application/json`, read as bytes so invalid UTF-8
 * is refused (SERVE_INVALID_UTF8) instead of silently becoming U+FFFD and
 * then a prediction of something the client never sent. Any other media type
 * is 415 (Fastify's FST_ERR_CTP_INVALID_MEDIA_TYPE, mapped in error-reply).
 * @module
 */
import { isUtf8 } from 'node:buffer';
import type { FastifyInstance } from 'fastify';
import { SentioError } from '../../errors/index.js';

export function parseJsonBytes(buf: Buffer): unknown {
  if (buf.length === 0) throw new SentioError('SERVE_INVALID_JSON', 'the JSON body is empty');
  if (!isUtf8(buf)) {
    throw new SentioError('SERVE_INVALID_UTF8', 'the body is not valid UTF-8');
  }
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (e) {
    const why = (e as Error).message;
    throw new SentioError(
      'SERVE_INVALID_JSON',
      `the body is not valid JSON: ${why.length > 160 ? `${why.slice(0, 160)}…` : why}`,
    );
  }
}

export function installJsonParser(app: FastifyInstance, bodyLimit: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit },
    (_req, body, done) => {
      try {
        done(null, parseJsonBytes(body as Buffer));
      } catch (e) {
        done(e as Error, undefined);
      }
    },
  );
}
