import { describe, expect, it } from "vitest";
import type { NewNotification, Notification, Page } from "../../../src/store/contract/index.js";
import { rejectionOf, scopeOf, seedTenant, seedUser, useSeededStore } from "../../support/store.js";

const now = new Date("2030-01-01T00:00:00.000Z");

const s = useSeededStore();

function newNotification(overrides: Partial<NewNotification> = {}) {
  return s.store.notifications.create({
    appId: s.tenant.app.id,
    envId: s.tenant.env.id,
    type: "verification_email",
    channel: "email",
    ...overrides,
  });
}

describe("notifications.create", () => {
  it("records outbox metadata with defaults, unsent, and no message body", async () => {
    const user = await seedUser(s.store, s.tenant);
    const created = await newNotification({ userId: user.id, recipient: user.email, subject: "Verify your email" });
    expect(created.id).toMatch(/^antf_/);
    expect(created).toMatchObject({
      userId: user.id,
      type: "verification_email",
      channel: "email",
      recipient: user.email,
      subject: "Verify your email",
      metadata: {},
      sentAt: null,
    });
    expect(Object.keys(created)).not.toContain("body");
  });

  it("records a notification that belongs to no user", async () => {
    const created = await newNotification({ channel: "sms", recipient: "+15550100", metadata: { template: "otp" } });
    expect(created).toMatchObject({ userId: null, channel: "sms", metadata: { template: "otp" } });
  });

  it("refuses an unknown channel with invalid_value", async () => {
    const err = await rejectionOf(newNotification({ channel: "pigeon" as never }));
    expect(err).toMatchObject({ name: "ValidationError", code: "invalid_value" });
  });
});

describe("notifications.markSent", () => {
  it("sets sent_at to the given now and returns the notification", async () => {
    const created = await newNotification();
    expect(await s.store.notifications.markSent(scopeOf(s.tenant), created.id, now)).toEqual({ ...created, sentAt: now });
  });

  it("throws NotFoundError not_found for an unknown id", async () => {
    const err = await rejectionOf(s.store.notifications.markSent(scopeOf(s.tenant), "antf_01h455vb4pex5vsknk084sn02q", now));
    expect(err).toMatchObject({ name: "NotFoundError", code: "not_found" });
  });

  it("treats another tenant's notification as unknown and leaves it unsent", async () => {
    const created = await newNotification();
    const err = await rejectionOf(s.store.notifications.markSent(scopeOf(await seedTenant(s.store)), created.id, now));
    expect(err).toMatchObject({ name: "NotFoundError", code: "not_found" });
    expect(await s.store.notifications.markSent(scopeOf(s.tenant), created.id, now)).toMatchObject({ id: created.id, sentAt: now });
  });
});

describe("notifications.listByUser", () => {
  it("walks a user's notifications newest first, every one exactly once, across pages", async () => {
    const user = await seedUser(s.store, s.tenant);
    const other = await seedUser(s.store, s.tenant);
    const created: Notification[] = [];
    for (let i = 0; i < 25; i++) created.push(await newNotification({ userId: user.id, subject: `n${i}` }));
    await newNotification({ userId: other.id });

    const pages: Page<Notification>[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<Notification> = await s.store.notifications.listByUser(user.id, { limit: 10, cursor });
      pages.push(page);
      cursor = page.nextCursor;
    } while (cursor !== null);

    expect(pages.map((p) => p.items.length)).toEqual([10, 10, 5]);
    const ids = pages.flatMap((p) => p.items.map((n) => n.id));
    expect(ids).toEqual(created.map((n) => n.id).reverse());
  });

  it("returns an empty page without a cursor for a user with no notifications", async () => {
    const user = await seedUser(s.store, s.tenant);
    expect(await s.store.notifications.listByUser(user.id)).toEqual({ items: [], nextCursor: null });
  });

  it("rejects a limit outside 1–100 with invalid_page", async () => {
    const user = await seedUser(s.store, s.tenant);
    const err = await rejectionOf(s.store.notifications.listByUser(user.id, { limit: 101 }));
    expect(err).toMatchObject({ name: "ValidationError", code: "invalid_page" });
  });
});
