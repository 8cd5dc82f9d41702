import { escapeHtml, type MailMessage } from "../../plugin/index.js";

/** `900` → "15 minutes", `3600` → "1 hour", `90` → "90 seconds": the largest unit that divides it exactly. */
export function describeDuration(seconds: number): string {
  const units: Array<[number, string]> = [
    [86_400, "day"],
    [3_600, "hour"],
    [60, "minute"],
    [1, "second"],
  ];
  for (const [size, name] of units) {
    if (seconds % size === 0) {
      const n = seconds / size;
      return `${n} ${name}${n === 1 ? "" : "s"}`;
    }
  }
  return `${seconds} seconds`; // unreachable: every whole number of seconds is divisible by 1
}

/** The sign-in mail: the link `<linkBase>/magic-link?token=…`, single use, valid `ttlSeconds`. */
export function magicLinkMail(to: string, linkBase: string, token: string, ttlSeconds: number): MailMessage {
  const link = `${linkBase}/magic-link?token=${encodeURIComponent(token)}`;
  const validity = describeDuration(ttlSeconds);
  return {
    to,
    subject: "Your sign-in link",
    text: `Sign in by opening this link:\n\n${link}\n\nThe link works once and expires in ${validity}. If you did not ask for it, ignore this message.\n`,
    html: `<p>Sign in by opening this link:</p><p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p><p>The link works once and expires in ${escapeHtml(validity)}. If you did not ask for it, ignore this message.</p>`,
  };
}
