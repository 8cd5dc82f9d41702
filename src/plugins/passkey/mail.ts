import { type MailMessage, noticeMail } from "../../plugin/index.js";

/** A passkey was added: a new way in that outlives a password change, so someone holding a stolen session is seen. */
export function passkeyAddedMail(to: string, name: string): MailMessage {
  return noticeMail(to, "A passkey was added to your account", [
    `A passkey ("${name}") was added to your account (${to}): it can now sign in without a password.`,
    "If this was not you, sign in, delete that passkey, and change your password.",
  ]);
}

/** A passkey's sign counter went backwards: a copy of it may be in someone's hands. */
export function passkeyClonedMail(to: string, name: string): MailMessage {
  return noticeMail(to, "A passkey of your account may have been copied", [
    `A sign-in with your passkey "${name}" (${to}) reported a use count lower than an earlier one, which is what a copied authenticator does. That passkey no longer signs in.`,
    "Delete it and add a new one. If you did not restore or copy an authenticator yourself, also change your password.",
  ]);
}
