import { type MailMessage, noticeMail as notice } from "../../plugin/index.js";

/** Two-factor authentication was turned on: an authenticator now signs in with the account. */
export function mfaEnabledMail(to: string): MailMessage {
  return notice(to, "Two-factor authentication was turned on", [
    `Two-factor authentication was turned on for your account (${to}): signing in now needs a code from the authenticator app that was set up.`,
    "If this was not you, someone else's authenticator can now sign in with your password: reset your password, sign in with a recovery code if you have one, and contact support.",
  ]);
}

/** Two-factor authentication was turned off for the account. */
export function mfaDisabledMail(to: string): MailMessage {
  return notice(to, "Two-factor authentication was turned off", [
    `Two-factor authentication was turned off for your account (${to}). Signing in now needs only your password or another single way in.`,
    "If this was not you, sign in, turn two-factor authentication on again and change your password.",
  ]);
}

/** A recovery code was used to sign in or to change the second factor. */
export function recoveryCodeUsedMail(to: string, remaining: number): MailMessage {
  return notice(to, "A recovery code was used", [
    `One of your recovery codes was just used for your account (${to}). Each code works once; ${remaining} ${remaining === 1 ? "is" : "are"} left.`,
    "If you lost your authenticator, set up a new one and generate new recovery codes. If this was not you, someone has your password and a recovery code: change your password and generate new codes now.",
  ]);
}

/** Wrong second-factor codes locked the account: the first factor is in someone's hands. */
export function mfaLockedMail(to: string): MailMessage {
  return notice(to, "Too many wrong two-factor codes", [
    `Someone passed the first step of signing in to your account (${to}) and then entered wrong two-factor codes until the account was locked for a while.`,
    "If this was not you, your password (or the account you sign in with) is known to someone else: change it as soon as you can sign in.",
  ]);
}
