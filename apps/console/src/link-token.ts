/**
 * The token of the link from a message that opened this page. Links carry it in the fragment (`#token=`), which a
 * browser never sends to a server, so it stays out of every access log on the way (proxies, ingress, CDN); links sent
 * before carried it in the query (or, for invitations, the path), and those are read too.
 */
export function tokenInAddress(): string | undefined {
  return (
    new URLSearchParams(location.hash.slice(1)).get('token') ??
    new URLSearchParams(location.search).get('token') ??
    undefined
  );
}

/**
 * Takes the link's token out of the address bar and this tab's history entry (the page stays at `path`), so that on
 * a shared machine whoever opens the history next does not find a link to use in its recipient's place.
 */
export function forgetTokenInAddress(path: string = location.pathname): void {
  history.replaceState(history.state, '', path);
}
