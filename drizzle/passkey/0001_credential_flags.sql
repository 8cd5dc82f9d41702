DROP INDEX "authsome_passkeys_credential_id_uq";--> statement-breakpoint
DROP INDEX "authsome_passkeys_app_id_idx";--> statement-breakpoint
ALTER TABLE "authsome_passkeys" ADD COLUMN "backup_eligible" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "authsome_passkeys" ADD COLUMN "flagged_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_passkeys_app_id_credential_id_uq" ON "authsome_passkeys" USING btree ("app_id","credential_id");