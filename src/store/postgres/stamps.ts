/** `updatedAt` equal to the `createdAt` the caller passed (see `Stamped`); nothing when it passed none. */
export function stampedAt(input: { createdAt?: Date | undefined }): { createdAt?: Date; updatedAt?: Date } {
  return input.createdAt ? { createdAt: input.createdAt, updatedAt: input.createdAt } : {};
}
