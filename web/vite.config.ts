/**
 * Build of the web app (playground + dashboard) into web/dist, served by
 * `sentio serve` at `/` (ts/serve/http/routes-web.ts). Two entries: the page
 * and the service worker, which must keep a fixed URL (`/sw.js`) and gets
 * the list of every emitted file injected, so it can cache the whole app on
 * install and the playground opens and predicts with the server gone.
 * Everything else is content-hashed under assets/ (cached for a year).
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/** Replace `__SENTIO_PRECACHE__` and `__SENTIO_BUILD__` in sw.js with the emitted files and their hash. */
function precacheManifest(): Plugin {
  return {
    name: 'sentio-precache',
    apply: 'build',
    generateBundle(_options, bundle) {
      const files = Object.keys(bundle)
        .filter((f) => f !== 'sw.js' && !f.endsWith('.map') && f !== 'index.html')
        .map((f) => `/${f}`)
        .sort();
      const build = createHash('sha256').update(files.join('\n')).digest('hex').slice(0, 12);
      const sw = bundle['sw.js'];
      if (sw === undefined || sw.type !== 'chunk') throw new Error('sw.js chunk missing');
      const before = sw.code;
      sw.code = sw.code
        .replace(/(["'`])__SENTIO_PRECACHE__\1/g, JSON.stringify(['/', ...files]))
        .replaceAll('__SENTIO_BUILD__', build);
      if (sw.code === before || sw.code.includes('__SENTIO_PRECACHE__')) {
        throw new Error('sw.js: the precache placeholder was not found');
      }
    },
  };
}

export default defineConfig({
  root,
  base: '/',
  publicDir: 'public',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    rolldownOptions: {
      input: { main: `${root}index.html`, sw: `${root}src/sw.ts` },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
  worker: { format: 'es' },
  plugins: [precacheManifest()],
});
