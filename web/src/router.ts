/**
 * Hash routes (`#/models/demo/v/3`), so the server serves one page at `/`
 * and every view works offline from the service worker's copy. A route is a
 * pattern with `:params`; the query after `?` adds params too.
 * @module
 */
import type { Cleanup, Page } from './pages/page';

export interface Route {
  pattern: string;
  page: Page;
  nav: string;
}

function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  if (p.length !== s.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const want = p[i] as string;
    const got = decodeURIComponent(s[i] as string);
    if (want.startsWith(':')) out[want.slice(1)] = got;
    else if (want !== got) return null;
  }
  return out;
}

export function startRouter(
  routes: Route[],
  root: HTMLElement,
  onNav: (nav: string) => void,
): void {
  let cleanup: Cleanup | undefined;
  let seq = 0;
  const go = async () => {
    const mine = ++seq;
    cleanup?.();
    cleanup = undefined;
    const hash = location.hash.replace(/^#/, '') || '/';
    const [path = '/', query = ''] = hash.split('?');
    for (const r of routes) {
      const params = match(r.pattern, path);
      if (params === null) continue;
      for (const [k, v] of new URLSearchParams(query)) params[k] = v;
      onNav(r.nav);
      root.replaceChildren();
      const c = await r.page(root, params);
      if (mine === seq) cleanup = c;
      else c?.();
      return;
    }
    location.hash = '#/';
  };
  window.addEventListener('hashchange', () => void go());
  void go();
}
