import type { MailMessage } from "./mailer.js";

/** Text made safe to put into a mail's HTML (element content and quoted attribute values). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] as string);
}

/** A plain notice to an account's owner: one paragraph per line, as text and as escaped HTML. */
export function noticeMail(to: string, subject: string, lines: readonly string[]): MailMessage {
  return { to, subject, text: `${lines.join("\n\n")}\n`, html: lines.map((line) => `<p>${escapeHtml(line)}</p>`).join("") };
}
