// What a synchronous call threw (the async counterpart is `rejectionOf` in ./store.ts).

/** The error `fn` threw. @throws when it did not throw */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected the call to throw");
}
