/**
 * The web app's entry: routes (playground, models, versions, runs,
 * monitoring), the live-update connection and its indicator, the settings
 * dialog, and the service worker that keeps the app available offline.
 * @module
 */
import './styles/app.css';
import { connectEvents } from './api/events';
import { $ } from './lib/dom';
import { modelPage } from './pages/model';
import { modelsPage } from './pages/models';
import { monitoringPage } from './pages/monitoring';
import { playgroundPage } from './pages/playground';
import { runsComparePage, runsPage } from './pages/runs';
import { versionPage } from './pages/version';
import { startRouter } from './router';
import { openSettings } from './settings-dialog';

const live = $('#live');
connectEvents((up) => {
  live.textContent = up ? 'live' : 'reconnecting';
  live.className = `live ${up ? 'up' : 'down'}`;
  document.body.dataset.live = String(up);
});
$('#settings-btn').addEventListener('click', openSettings);

startRouter(
  [
    { pattern: '/', page: playgroundPage, nav: 'playground' },
    { pattern: '/playground/:model', page: playgroundPage, nav: 'playground' },
    { pattern: '/models', page: modelsPage, nav: 'models' },
    { pattern: '/models/:name', page: modelPage, nav: 'models' },
    { pattern: '/models/:name/v/:version', page: versionPage, nav: 'models' },
    { pattern: '/runs', page: runsPage, nav: 'runs' },
    { pattern: '/runs/compare/:ids', page: runsComparePage, nav: 'runs' },
    { pattern: '/monitoring', page: monitoringPage, nav: 'monitoring' },
    { pattern: '/monitoring/:model', page: monitoringPage, nav: 'monitoring' },
  ],
  $('#app'),
  (nav) => {
    for (const a of document.querySelectorAll<HTMLAnchorElement>('#nav a')) {
      a.classList.toggle('active', a.dataset.nav === nav);
    }
  },
);

if ('serviceWorker' in navigator) {
  navigator.serviceWorker
    .register('/sw.js', { type: 'module', scope: '/' })
    .then(() => navigator.serviceWorker.ready)
    .then(() => {
      document.body.dataset.offlineReady = 'true';
    })
    .catch(() => {
      document.body.dataset.offlineReady = 'false';
    });
}
