/**
 * Credentials the user typed: the admin token (admin actions) and an API
 * key (servers started with --api-key-file). Kept in sessionStorage only:
 * gone when the tab closes, never sent anywhere but this origin's API.
 * @module
 */
const ADMIN = 'sentio.adminToken';
const KEY = 'sentio.apiKey';

export const settings = {
  get adminToken(): string {
    return sessionStorage.getItem(ADMIN) ?? '';
  },
  set adminToken(v: string) {
    if (v === '') sessionStorage.removeItem(ADMIN);
    else sessionStorage.setItem(ADMIN, v);
  },
  get apiKey(): string {
    return sessionStorage.getItem(KEY) ?? '';
  },
  set apiKey(v: string) {
    if (v === '') sessionStorage.removeItem(KEY);
    else sessionStorage.setItem(KEY, v);
  },
};
