/**
 * The Settings dialog: the admin token (needed by admin actions) and an API
 * key (servers started with --api-key-file), kept for this tab only.
 * @module
 */
import { h } from './lib/dom';
import { settings } from './lib/settings';

export function openSettings(): void {
  const token = h('input', {
    id: 'admin-token',
    type: 'password',
    value: settings.adminToken,
    autocomplete: 'off',
    size: 40,
  });
  const key = h('input', {
    id: 'api-key',
    type: 'password',
    value: settings.apiKey,
    autocomplete: 'off',
    size: 40,
  });
  const dialog = h(
    'dialog',
    { class: 'settings' },
    h(
      'form',
      { method: 'dialog' },
      h('h2', null, 'Settings'),
      h('label', null, 'Admin token', token),
      h(
        'p',
        { class: 'muted small' },
        'Sent only with admin actions, kept in this tab (sessionStorage) until it closes.',
      ),
      h('label', null, 'API key', key),
      h('p', { class: 'muted small' }, 'Only when the server was started with --api-key-file.'),
      h(
        'div',
        { class: 'row' },
        h('button', { id: 'settings-save', value: 'save' }, 'Save'),
        h('button', { value: 'cancel', class: 'ghost' }, 'Cancel'),
      ),
    ),
  );
  dialog.addEventListener('close', () => {
    if (dialog.returnValue === 'save') {
      settings.adminToken = token.value.trim();
      settings.apiKey = key.value.trim();
    }
    dialog.remove();
  });
  document.body.appendChild(dialog);
  dialog.showModal();
}
