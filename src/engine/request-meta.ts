/** Who is asking: recorded on sessions and audit events, and what per-IP limits count. */
export interface RequestMeta {
  ipAddress: string;
  userAgent: string;
}
