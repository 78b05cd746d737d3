/**
 * A patient's browser, minus the browser: follows redirects by hand across the ingest and a
 * provider simulator (whose consent page answers at once), so a test sees every hop.
 */

export type Hop = { url: string; status: number; location: string | null };

export type Visit = { status: number; body: string; url: string; hops: Hop[] };

export async function visit(start: string, maxHops = 6): Promise<Visit> {
  const hops: Hop[] = [];
  let url = start;
  for (let i = 0; i <= maxHops; i++) {
    const res = await fetch(url, { redirect: 'manual' });
    const location = res.headers.get('location');
    hops.push({ url, status: res.status, location });
    if (res.status >= 300 && res.status < 400 && location !== null) {
      await res.body?.cancel();
      url = new URL(location, url).toString();
      continue;
    }
    return { status: res.status, body: await res.text(), url, hops };
  }
  throw new Error(`more than ${maxHops} redirects from ${start}`);
}

/** The hop that reached the ingest's OAuth callback (to replay it, as a reload or an attacker would). */
export function callbackHop(v: Visit): string {
  const hop = v.hops.find((h) => h.url.includes('/oauth/callback/'));
  if (!hop) throw new Error(`no callback among ${v.hops.map((h) => h.url).join(', ')}`);
  return hop.url;
}

/** The provider's consent URL the connect link redirected to. */
export function consentUrl(v: Visit): string {
  const first = v.hops[0];
  if (!first?.location) throw new Error('the connect link did not redirect');
  return first.location;
}

/** Opens the link and consents, but stops before reaching the callback: its URL, for the test to use. */
export async function consentOnly(linkUrl: string): Promise<string> {
  let url = linkUrl;
  for (let i = 0; i < 4; i++) {
    const res = await fetch(url, { redirect: 'manual' });
    await res.body?.cancel();
    const location = res.headers.get('location');
    if (location === null) throw new Error(`${url} answered ${res.status} without a redirect`);
    const next = new URL(location, url).toString();
    if (next.includes('/oauth/callback/')) return next;
    url = next;
  }
  throw new Error(`no callback reached from ${linkUrl}`);
}
