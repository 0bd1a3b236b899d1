/**
 * The web app's typed errors: one class with a stable code, like the
 * server's (ts/errors). Server answers keep the server's code
 * (`SERVE_UNAUTHORIZED`, `DEPLOY_GATE_FAILED`, …) and its details; failures
 * that only the browser sees get a `WEB_` code, so the page can always say
 * what went wrong and what to do.
 * @module
 */
export type WebErrorCode =
  | 'WEB_NETWORK'
  | 'WEB_HTTP'
  | 'WEB_OFFLINE_NO_MODEL'
  | 'WEB_ARTIFACT_HASH'
  | 'WEB_ENGINE'
  | 'WEB_CSV'
  | 'WEB_NO_TEXT_COLUMN'
  | 'WEB_ADMIN_TOKEN_MISSING';

export class WebError extends Error {
  constructor(
    readonly code: WebErrorCode | string,
    message: string,
    readonly status: number | null = null,
    readonly details: Record<string, unknown> | null = null,
  ) {
    super(message);
    this.name = 'WebError';
  }
}

export function asWebError(e: unknown): WebError {
  if (e instanceof WebError) return e;
  const code = (e as { code?: unknown })?.code;
  return new WebError(
    typeof code === 'string' ? code : 'WEB_ENGINE',
    e instanceof Error ? e.message : String(e),
  );
}
