ALTER TABLE "authsome_ceremonies" ADD COLUMN "env_id" text;--> statement-breakpoint
ALTER TABLE "authsome_ceremonies" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "authsome_sessions" ADD COLUMN "method" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "authsome_ceremonies" ADD CONSTRAINT "authsome_ceremonies_env_id_authsome_environments_id_fk" FOREIGN KEY ("env_id") REFERENCES "public"."authsome_environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "authsome_ceremonies_env_id_idx" ON "authsome_ceremonies" USING btree ("env_id");