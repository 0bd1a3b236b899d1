/**
 * The human docs at /docs: a static HTML page rendered on the server from
 * the OpenAPI document (no scripts, nothing fetched from elsewhere), served
 * with a strict CSP that only allows its own inline stylesheet.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { buildOpenApi, DOCS_PATH } from './openapi.js';
import { htmlSecurityHeaders } from './security-headers.js';

export const DOCS_CSS = `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
h1{margin-bottom:.2rem}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2rem;margin-top:2rem}
code,pre{font:13px ui-monospace,monospace;background:#f6f8fa;border-radius:4px}code{padding:.1rem .3rem}
pre{padding:.8rem;overflow:auto}.m{display:inline-block;min-width:3.5rem;font-weight:700;color:#fff;border-radius:4px;text-align:center;padding:0 .3rem;margin-right:.4rem}
.get{background:#1f6feb}.post{background:#2da44e}table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:.2rem .5rem;text-align:left}`;

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Escape, then turn `code` spans and [text](url) links (relative only) into HTML. */
function inline(s: string): string {
  return esc(s)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\[([^\]]+)\]\((\/[^)\s]*)\)/g, '<a href="$2">$1</a>')
    .replace(/\n\n/g, '</p><p>');
}

type Op = {
  summary?: string;
  description?: string;
  security?: unknown[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses?: Record<string, { description: string }>;
};

export function renderDocs(spec: Record<string, unknown>): string {
  const info = spec.info as { title: string; version: string; description: string };
  const paths = spec.paths as Record<string, Record<string, Op>>;
  const schemas = (spec.components as { schemas: Record<string, unknown> }).schemas;
  const ops: string[] = [];
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const responses = Object.entries(op.responses ?? {})
        .map(([s, r]) => `<tr><td>${esc(s)}</td><td>${inline(r.description)}</td></tr>`)
        .join('');
      ops.push(`<h3 id="${esc(method + path)}"><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span><code>${esc(path)}</code></h3>
<p>${inline(op.summary ?? '')}</p>${op.description ? `<p>${inline(op.description)}</p>` : ''}
${op.security && op.security.length > 0 ? '<p><em>Needs credentials</em> (<code>Authorization: Bearer …</code>).</p>' : ''}
${responses ? `<table><tr><th>Status</th><th>Meaning</th></tr>${responses}</table>` : ''}`);
    }
  }
  const schemaBlocks = Object.entries(schemas)
    .map(
      ([name, s]) =>
        `<h3 id="schema-${esc(name)}">${esc(name)}</h3><pre>${esc(JSON.stringify(s, null, 2))}</pre>`,
    )
    .join('\n');
  const example = `curl -s http://HOST:PORT/v1/models/NAME/predict \\
  -H 'content-type: application/json' \\
  -d '{"text": "The battery lasts all day, great phone", "explain": 5}'`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(info.title)} — API</title><style>${DOCS_CSS}</style></head><body>
<h1>${esc(info.title)}</h1><p>API version ${esc(info.version)} · machine-readable spec: <a href="/openapi.json">/openapi.json</a></p>
<p>${inline(info.description)}</p>
<h2>Example</h2><pre>${esc(example)}</pre>
<h2>Endpoints</h2>${ops.join('\n')}
<h2>Schemas</h2>${schemaBlocks}
</body></html>`;
}

export function registerDocsRoutes(
  app: FastifyInstance,
  ctx: ServerContext,
  version: string,
): void {
  const spec = buildOpenApi(ctx.options, version);
  const specJson = JSON.stringify(spec);
  const html = renderDocs(spec);
  app.get('/openapi.json', async (_req, reply) =>
    reply.type('application/json; charset=utf-8').send(specJson),
  );
  app.get(DOCS_PATH, async (_req, reply) =>
    htmlSecurityHeaders(reply, DOCS_CSS).type('text/html; charset=utf-8').send(html),
  );
  // `/` (the web app, or this service index as JSON) is in routes-web.ts.
}
