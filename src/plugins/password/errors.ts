import { AuthenticationError, RateLimitError, ValidationError } from "../../errors.js";

// The password plugin's refusals, each naming the field it is about (every 400 names its field).
export const invalidCredentials = () => new AuthenticationError("invalid_credentials", "The email or password is incorrect");
export const invalidToken = () =>
  new ValidationError("invalid_token", "The link is invalid, expired or already used", { details: { fields: { token: "is invalid, expired or already used" } } });
export const invalidCode = () => new ValidationError("invalid_code", "The code is wrong or expired", { details: { fields: { code: "is wrong or expired" } } });
// Retry-After is the same for every address (a real one's code expiry would tell it apart from an unknown one).
export const tooManyCodes = () => new RateLimitError("too_many_attempts", "Too many wrong codes; request a new one", 60);
