CREATE TABLE "authsome_password_hashes" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"replaced_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "authsome_password_hashes" ADD CONSTRAINT "authsome_password_hashes_user_id_authsome_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."authsome_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_password_hashes_current_uq" ON "authsome_password_hashes" USING btree ("user_id") WHERE "authsome_password_hashes"."replaced_at" IS NULL;--> statement-breakpoint
CREATE INDEX "authsome_password_hashes_user_id_created_at_idx" ON "authsome_password_hashes" USING btree ("user_id","created_at");