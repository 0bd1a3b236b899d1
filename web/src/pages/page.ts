/**
 * What the router needs from a page: draw into `root` for the route's
 * params, and return a cleanup (unsubscribe live updates, stop timers) that
 * runs when the user navigates away.
 * @module
 */
export type Cleanup = () => void;
export type Page = (
  root: HTMLElement,
  params: Record<string, string>,
) => Cleanup | undefined | Promise<Cleanup | undefined>;
