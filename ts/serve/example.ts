/**
 * A ready-to-paste request against a running server (the demo prints it).
 * @module
 */

/** Quote for a POSIX shell: single quotes, with embedded ones closed and escaped. */
function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function exampleCurl(
  url: string,
  model: string,
  text = 'The battery lasts all day and the screen is gorgeous.',
): string {
  const body = JSON.stringify({ text });
  return `curl -s ${url}/v1/models/${encodeURIComponent(model)}/predict -H 'content-type: application/json' -d ${shellQuote(body)}`;
}
