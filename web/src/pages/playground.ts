/**
 * The playground (`#/`): type or paste a text and see the label, every
 * class's probability and the words that drove the decision, computed in
 * the browser by the WASM engine on each keystroke. The model file comes
 * from the server once and then from the browser's cache, so this keeps
 * working with the server stopped. "Compare with server" sends the same text
 * to `POST /v1/models/{name}/predict` (same version) and shows both answers
 * side by side with whether they agree exactly.
 * @module
 */

import { onLive } from '../api/events';
import { api, enc } from '../api/http';
import type { ServedModel, ServerPrediction } from '../api/types';
import { highlight } from '../engine/highlight';
import type { Explanation } from '../engine/wasm';
import { wasmEngineVersion } from '../engine/wasm';
import { h, mount } from '../lib/dom';
import { bytes as fmtBytes } from '../lib/format';
import { debounce, errorBox, probBars, toast } from '../lib/ui';
import { batchPanel } from './batch-panel';
import type { Page } from './page';
import { type Choice, choiceOf, type Loaded, loadChoice, servedModels } from './playground-model';

const EXPLAIN_K = 10;
const SAMPLE = 'The battery lasts all day and the screen is great, but delivery was slow.';

export const playgroundPage: Page = async (root, params) => {
  let loaded: Loaded | null = null;
  let models: ServedModel[] = [];
  let online = true;
  const status = h('div', { id: 'pg-status', class: 'status' }, 'Loading the model…');
  const select = h('select', { id: 'pg-model', 'aria-label': 'model' });
  const input = h(
    'textarea',
    { id: 'pg-text', rows: 5, placeholder: 'Type or paste a text…', spellcheck: false },
    '',
  );
  const compare = h('input', { id: 'pg-compare', type: 'checkbox' });
  const local = h('section', { id: 'pg-local', class: 'result' });
  const remote = h('section', { id: 'pg-server', class: 'result', hidden: true });
  const agree = h('div', { id: 'pg-agree', class: 'agree', hidden: true });
  const batchHost = h('div');

  mount(
    root,
    h('h1', null, 'Playground'),
    h(
      'p',
      { class: 'muted' },
      'Predictions run in this browser (WebAssembly): the model file is downloaded once, kept in the browser cache and used offline.',
    ),
    h('div', { class: 'row' }, h('label', null, 'Model ', select), status),
    input,
    h('label', { class: 'toggle' }, compare, ' Compare with the server (same text, same version)'),
    agree,
    h('div', { class: 'side' }, local, remote),
    batchHost,
  );
  input.value = SAMPLE;

  const renderLocal = (e: Explanation, l: Loaded, ms: number) => {
    const spans = highlight(input.value, e.contributions, {
      maxN: l.maxN,
      stripAccents: l.stripAccents,
    });
    const max = Math.max(1e-9, ...spans.map((s) => Math.abs(s.weight)));
    mount(
      local,
      h('h2', null, 'In the browser ', h('span', { class: 'tag' }, `WASM · ${ms.toFixed(2)} ms`)),
      h('div', { class: 'label', id: 'pg-label', 'data-label': e.label }, e.label),
      probBars(l.classes, e.probabilities, e.label),
      h(
        'p',
        { class: 'highlighted', id: 'pg-highlight' },
        spans.map((s) => {
          if (s.weight === 0) return s.text;
          const mark = h(
            'mark',
            {
              class: s.weight > 0 ? 'pos' : 'neg',
              title: `${s.features.join(', ')}: ${s.weight.toFixed(4)}`,
            },
            s.text,
          );
          mark.style.setProperty('--w', String(Math.min(1, Math.abs(s.weight) / max)));
          return mark;
        }),
      ),
      h(
        'ol',
        { class: 'features' },
        e.contributions.map((c) =>
          h(
            'li',
            null,
            h('code', null, c.feature),
            ` ${c.contribution >= 0 ? '+' : ''}${c.contribution.toFixed(4)}`,
          ),
        ),
      ),
    );
  };

  let serverSeq = 0;
  const askServer = async (text: string, l: Loaded, mine: Explanation) => {
    const seq = ++serverSeq;
    remote.hidden = false;
    agree.hidden = false;
    try {
      const r = await api<ServerPrediction>(`/v1/models/${enc(l.name)}/predict`, {
        method: 'POST',
        body: { text, explain: EXPLAIN_K, version: l.version },
        timeoutMs: 5000,
      });
      if (seq !== serverSeq) return;
      const probs = l.classes.map((c) => r.probabilities[c] ?? Number.NaN);
      mount(
        remote,
        h('h2', null, 'On the server ', h('span', { class: 'tag' }, `${r.model}@${r.version}`)),
        h('div', { class: 'label', id: 'pg-server-label', 'data-label': r.label }, r.label),
        probBars(l.classes, probs, r.label),
        h(
          'ol',
          { class: 'features' },
          (r.explanation ?? []).map((c) =>
            h('li', null, h('code', null, c.feature), ` ${c.contribution.toFixed(4)}`),
          ),
        ),
      );
      const diff = Math.max(
        ...probs.map((p, i) => Math.abs(p - (mine.probabilities[i] ?? Number.NaN))),
      );
      const same = r.label === mine.label && diff === 0;
      agree.className = `agree ${same ? 'ok' : 'bad'}`;
      agree.dataset.agree = String(same);
      agree.dataset.text = text;
      agree.textContent = same
        ? `Agree: same label (${r.label}) and identical probabilities, server ${r.model}@${r.version} vs browser v${l.version}`
        : `DIFFER: server says ${r.label}, browser ${mine.label}; largest probability difference ${diff}`;
    } catch (e) {
      if (seq !== serverSeq) return;
      mount(
        remote,
        h('h2', null, 'On the server'),
        errorBox(e, 'The browser result above does not need the server.'),
      );
      agree.hidden = true;
    }
  };

  const predict = () => {
    const l = loaded;
    if (l === null) return;
    const text = input.value;
    const t0 = performance.now();
    const e = l.model.explain(text, EXPLAIN_K);
    renderLocal(e, l, performance.now() - t0);
    if (compare.checked) void askServer(text, l, e);
    else {
      remote.hidden = true;
      agree.hidden = true;
    }
  };
  const predictSoon = debounce(predict, 30);

  const use = async (c: Choice) => {
    status.textContent = `Loading ${c.name}@${c.version}…`;
    try {
      const next = await loadChoice(c);
      loaded?.model.free();
      loaded = next;
      status.dataset.ready = 'true';
      status.dataset.version = String(next.version);
      status.dataset.sha = next.sha;
      status.dataset.online = String(online);
      mount(
        status,
        h('span', { class: online ? 'tag ok' : 'tag warn' }, online ? 'online' : 'offline'),
        ` ${next.name}@${next.version}${next.alias ? ` (${next.alias})` : ''} · sha256 ${next.sha.slice(0, 12)}… · ${fmtBytes(next.bytes.length)} · `,
        next.fromCache ? 'from the browser cache' : 'downloaded and cached',
        ` · engine ${wasmEngineVersion()}`,
      );
      predict();
    } catch (e) {
      status.dataset.ready = 'false';
      mount(status, errorBox(e));
    }
  };

  const choose = () => {
    const m = models.find((x) => x.name === select.value) ?? models[0];
    const c = m ? choiceOf(m) : null;
    if (c !== null) void use(c);
  };

  try {
    const r = await servedModels();
    models = r.models;
    online = r.online;
    mount(
      select,
      models.map((m) => h('option', { value: m.name }, m.name)),
    );
    if (params.model && models.some((m) => m.name === params.model)) select.value = params.model;
    choose();
  } catch (e) {
    mount(
      status,
      errorBox(e, 'Open this page once while the server runs to cache a model for offline use.'),
    );
  }
  select.addEventListener('change', choose);
  input.addEventListener('input', predictSoon);
  compare.addEventListener('change', predict);
  mount(
    batchHost,
    batchPanel(() => loaded),
  );

  const off = onLive((ev) => {
    if (ev.type !== 'served' || loaded === null || ev.data.model !== loaded.name) return;
    const m = models.find((x) => x.name === loaded?.name);
    const v = ev.data.version as number | null;
    const sha = ev.data.modelSha256 as string | null;
    if (m === undefined || v === null || sha === null || sha === loaded.sha) return;
    toast(`${loaded.name} is now served at v${v}: loading it`, 'info');
    void servedModels().then((r) => {
      models = r.models;
      choose();
    });
  });
  return () => {
    off();
    loaded?.model.free();
  };
};
