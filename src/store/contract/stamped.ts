/**
 * The caller's clock on a create: `createdAt` (and `updatedAt`, where the table has one) is the `now` the caller
 * passes. The engine always passes it; only a caller that gives none gets the column's default.
 */
export interface Stamped {
  createdAt?: Date;
}
