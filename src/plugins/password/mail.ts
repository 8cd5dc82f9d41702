import { type EngineContext, escapeHtml, type MailMessage } from "../../plugin/index.js";

/** Where links in mail point: the route's `linkBase` (or `config.appUrl` for in-process calls). */
export interface MailLinks {
  base(given: string | null | undefined): string | null;
  /** Logs a mail not sent because no link base is safe (development without appUrl, from a foreign origin). */
  refuse(type: string): void;
}

export function mailLinks(ctx: Pick<EngineContext, "config" | "logger">): MailLinks {
  return {
    base: (given) => (given === undefined ? ctx.config.appUrl : given),
    refuse: (type) => ctx.logger.warn("mail not sent: no appUrl, and the request's origin is neither loopback nor trusted", { type }),
  };
}

/** The verification mail: the link `<appUrl>/verify-email?token=…` and the 6-digit code, valid 15 minutes. */
export function verificationMail(to: string, appUrl: string, token: string, code: string): MailMessage {
  const link = `${appUrl}/verify-email?token=${encodeURIComponent(token)}`;
  return {
    to,
    subject: "Verify your email address",
    text: `Confirm your email address by opening this link:\n\n${link}\n\nor enter this code: ${code}\n\nThe link and the code expire in 15 minutes. If you did not sign up, ignore this message.\n`,
    html: `<p>Confirm your email address by opening this link:</p><p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p><p>or enter this code: <strong>${code}</strong></p><p>The link and the code expire in 15 minutes. If you did not sign up, ignore this message.</p>`,
  };
}

/** The reset mail: the link `<appUrl>/reset-password?token=…`, valid one hour, single use. */
export function resetMail(to: string, appUrl: string, token: string): MailMessage {
  const link = `${appUrl}/reset-password?token=${encodeURIComponent(token)}`;
  return {
    to,
    subject: "Reset your password",
    text: `Choose a new password by opening this link:\n\n${link}\n\nThe link works once and expires in one hour. If you did not ask for it, ignore this message; your password is unchanged.\n`,
    html: `<p>Choose a new password by opening this link:</p><p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p><p>The link works once and expires in one hour. If you did not ask for it, ignore this message; your password is unchanged.</p>`,
  };
}

/** The lock notice: the account was locked after failed sign-ins; the link lifts the lock (single use). */
export function lockedMail(to: string, appUrl: string, token: string, lockSeconds: number): MailMessage {
  const link = `${appUrl}/unlock-account?token=${encodeURIComponent(token)}`;
  const minutes = Math.max(1, Math.round(lockSeconds / 60));
  return {
    to,
    subject: "Your account was locked after failed sign-ins",
    text: `Someone entered a wrong password for your account several times, so sign-in is locked for ${minutes} minutes.\n\nIf it was you, open this link to unlock it now:\n\n${link}\n\nBrowsers you signed in with before can still sign in. If it was not you, your password is safe; consider changing it anyway.\n`,
    html: `<p>Someone entered a wrong password for your account several times, so sign-in is locked for ${minutes} minutes.</p><p>If it was you, open this link to unlock it now:</p><p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p><p>Browsers you signed in with before can still sign in. If it was not you, your password is safe; consider changing it anyway.</p>`,
  };
}
