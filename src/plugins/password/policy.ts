import type { ResolvedConfig } from "../../plugin/index.js";
import { ValidationError } from "../../errors.js";

export type PasswordPolicy = ResolvedConfig["password"];

/**
 * Checks a new password against the policy (length in Unicode code points, not only whitespace, optional character
 * classes).
 * @throws ValidationError `weak_password` with `details.rules` listing what is missing, and `details.fields` naming
 *   `field` (the request's name for the password: `password`, `new_password`).
 */
export function assertPasswordPolicy(password: string, policy: PasswordPolicy, field = "password"): void {
  const length = [...password].length;
  const broken: string[] = [];
  if (length < policy.minLength) broken.push(`at least ${policy.minLength} characters`);
  if (length > policy.maxLength) broken.push(`at most ${policy.maxLength} characters`);
  // Only whitespace of any kind (spaces, NBSP, ideographic spaces, tabs, line breaks) may be long enough, but is no secret.
  if (/^\s+$/u.test(password)) broken.push("not only spaces");
  if (policy.requireUppercase && !/\p{Lu}/u.test(password)) broken.push("an uppercase letter");
  if (policy.requireLowercase && !/\p{Ll}/u.test(password)) broken.push("a lowercase letter");
  if (policy.requireDigit && !/\p{Nd}/u.test(password)) broken.push("a digit");
  if (policy.requireSymbol && !/[^\p{L}\p{N}\s]/u.test(password)) broken.push("a symbol");
  if (broken.length > 0) {
    throw new ValidationError("weak_password", `The password needs ${broken.join(", ")}`, { details: { rules: broken, fields: { [field]: `needs ${broken.join(", ")}` } } });
  }
}
