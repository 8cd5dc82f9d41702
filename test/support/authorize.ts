/** "Clicks Authorize" at a provider peer: GETs the authorization URL without following it and returns where it sends the browser. */
export async function followAuthorize(authorizeUrl: string): Promise<URL> {
  const res = await fetch(authorizeUrl, { redirect: "manual" });
  const location = res.headers.get("location");
  const text = await res.text();
  if (location === null) throw new Error(`authorize answered ${res.status} without a redirect: ${text.slice(0, 200)}`);
  return new URL(location, authorizeUrl);
}
