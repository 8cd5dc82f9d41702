/**
 * The `password` plugin: sign-up and sign-in with email (or username) and password, change / forgot / reset
 * password, and email verification by link or 6-digit code. Passwords are hashed with argon2id (explicit
 * parameters, PHC strings in `authsome_password_hashes`, upgraded on sign-in when the configured ones are stronger).
 * @module
 */
import { type AuthsomePlugin, builtInMigrationGroup, type MigrationGroup, type SignInResult } from "../../plugin/index.js";
import { type Argon2Options, argon2idHasher, type PasswordHasher } from "./hasher.js";
import { registerPasswordRoutes } from "./routes.js";
import { passwordStore } from "./store.js";
import { createPasswordService, passwordEvents, passwordRateLimits, type PasswordService, type SignInInput, type SignUpInput, type SignUpResult } from "./service.js";

/** The `password` migration group: pass it to `migrate(db, [passwordMigrations])` (or the CLI's `--plugins password`). */
export const passwordMigrations: MigrationGroup = builtInMigrationGroup("password");

export interface PasswordPluginOptions {
  /** argon2id parameters (defaults: m = 19456 KiB, t = 2, p = 1 — OWASP's minimum). */
  argon2?: Argon2Options;
  /** Replaces the hasher (e.g. to import bcrypt hashes); `argon2` is then ignored. */
  hasher?: PasswordHasher;
}

/** What the plugin adds to `auth.api`. */
export interface PasswordApi {
  signUp: PasswordService["signUp"];
  signIn: PasswordService["signIn"];
  unlockAccount: PasswordService["unlockAccount"];
  changePassword: PasswordService["changePassword"];
  forgotPassword: PasswordService["forgotPassword"];
  resetPassword: PasswordService["resetPassword"];
  verifyEmailToken: PasswordService["verifyEmailToken"];
  verifyEmailCode: PasswordService["verifyEmailCode"];
  resendVerification: PasswordService["resendVerification"];
}

/**
 * @example
 * ```ts
 * const auth = createAuthsome({ store, plugins: [password()], config: { appUrl: "https://myapp.example.com", secret } });
 * ```
 * @throws ValidationError `invalid_config` for argon2 parameters below OWASP's minimum.
 */
export function password(options: PasswordPluginOptions = {}): AuthsomePlugin<PasswordApi> {
  const hasher = options.hasher ?? argon2idHasher(options.argon2); // validates now, not on the first request
  return {
    id: "password",
    migrations: passwordMigrations,
    events: passwordEvents,
    rateLimits: passwordRateLimits,
    hooks: {
      // A deleted account keeps no password hash, current or past.
      "deleteUser.before": ({ user }, repos) => passwordStore(repos).deleteAll(user.id),
    },
    setup(ctx) {
      const { credentials, ...service } = createPasswordService(ctx, hasher);
      ctx.reauthenticators.push(credentials);
      // A password is a way in: listed with the user's linked accounts, and counted before one is unlinked.
      ctx.signInMethods.add({
        id: "password",
        async list(user, repos) {
          const setAt = await passwordStore(repos).currentSetAt(user.id);
          return setAt ? [{ provider: "password", providerAccountId: null, email: user.email, linkedAt: setAt }] : [];
        },
      });
      registerPasswordRoutes(ctx, service);
      return { ...service };
    },
  };
}

export { argon2idHasher, type Argon2Options, type PasswordHasher, type SignInInput, type SignInResult, type SignUpInput, type SignUpResult };
