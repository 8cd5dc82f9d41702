import { hash as argon2Hash, verify as argon2Verify } from "@node-rs/argon2";
import { ValidationError } from "../../errors.js";

/** Hashes and verifies passwords as PHC strings. Injectable (tests spy on it; a custom scheme can replace it). */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(phc: string, password: string): Promise<boolean>;
  /** True when `phc` was made with weaker parameters than the configured ones (upgrade on the next sign-in). */
  needsRehash(phc: string): boolean;
}

export interface Argon2Options {
  /** KiB. Default 19456 (19 MiB), OWASP's minimum for argon2id. */
  memoryCost?: number;
  /** Iterations. Default 2. */
  timeCost?: number;
  /** Lanes. Default 1. */
  parallelism?: number;
}

// `Algorithm` is a const enum in the package's types, which isolated modules cannot inline.
const ARGON2ID = 2;

/** argon2id with explicit parameters, encoded in every PHC string it produces. */
export function argon2idHasher(options: Argon2Options = {}): PasswordHasher {
  const params = { memoryCost: options.memoryCost ?? 19_456, timeCost: options.timeCost ?? 2, parallelism: options.parallelism ?? 1 };
  if (!Number.isInteger(params.memoryCost) || params.memoryCost < 19_456) {
    throw new ValidationError("invalid_config", "password.argon2.memoryCost must be at least 19456 KiB (OWASP minimum)");
  }
  if (!Number.isInteger(params.timeCost) || params.timeCost < 2) throw new ValidationError("invalid_config", "password.argon2.timeCost must be at least 2");
  if (!Number.isInteger(params.parallelism) || params.parallelism < 1) throw new ValidationError("invalid_config", "password.argon2.parallelism must be at least 1");
  return {
    hash: (password) => argon2Hash(password, { algorithm: ARGON2ID as never, ...params, outputLen: 32 }),
    verify: (phc, password) => argon2Verify(phc, password).catch(() => false),
    needsRehash(phc) {
      const match = /^\$argon2id\$v=\d+\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(phc);
      if (!match) return true; // another algorithm (e.g. imported bcrypt): upgrade
      const [m, t, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
      return m < params.memoryCost || t < params.timeCost || p < params.parallelism;
    },
  };
}
