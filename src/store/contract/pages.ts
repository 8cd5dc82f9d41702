/** A page of a keyset-paginated list, newest first. */
export interface Page<T> {
  items: T[];
  /** The id of the last item returned, when more items follow; pass it back as `cursor`. */
  nextCursor: string | null;
}

/** Which page of a `list…` to read: always the trailing, optional argument. */
export interface PageRequest {
  /** 1–100; default 20. Outside that: ValidationError `invalid_page`. */
  limit?: number;
  /** `nextCursor` of the previous page. Anything else: ValidationError `invalid_cursor`. */
  cursor?: string | null;
}
