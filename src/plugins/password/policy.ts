import type { ResolvedConfig } from "../../engine/config.js";
import { ValidationError } from "../../errors.js";

export type PasswordPolicy = ResolvedConfig["password"];

/**
 * Checks a new password against the policy (length in Unicode code points, optional character classes).
 * @throws ValidationError `weak_password` with `details.rules` listing what is missing.
 */
export function assertPasswordPolicy(password: string, policy: PasswordPolicy): void {
  const length = [...password].length;
  const broken: string[] = [];
  if (length < policy.minLength) broken.push(`at least ${policy.minLength} characters`);
  if (length > policy.maxLength) broken.push(`at most ${policy.maxLength} characters`);
  if (policy.requireUppercase && !/\p{Lu}/u.test(password)) broken.push("an uppercase letter");
  if (policy.requireLowercase && !/\p{Ll}/u.test(password)) broken.push("a lowercase letter");
  if (policy.requireDigit && !/\p{Nd}/u.test(password)) broken.push("a digit");
  if (policy.requireSymbol && !/[^\p{L}\p{N}\s]/u.test(password)) broken.push("a symbol");
  if (broken.length > 0) {
    throw new ValidationError("weak_password", `The password needs ${broken.join(", ")}`, { details: { rules: broken } });
  }
}
