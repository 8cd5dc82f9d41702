CREATE TABLE "authsome_passkeys" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"credential_id" text NOT NULL,
	"public_key" "bytea" NOT NULL,
	"counter" bigint DEFAULT 0 NOT NULL,
	"transports" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"device_type" text DEFAULT '' NOT NULL,
	"backed_up" boolean DEFAULT false NOT NULL,
	"aaguid" text DEFAULT '' NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"last_used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "authsome_passkeys" ADD CONSTRAINT "authsome_passkeys_app_id_authsome_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."authsome_apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_passkeys" ADD CONSTRAINT "authsome_passkeys_user_id_authsome_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."authsome_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_passkeys_credential_id_uq" ON "authsome_passkeys" USING btree ("credential_id");--> statement-breakpoint
CREATE INDEX "authsome_passkeys_user_id_idx" ON "authsome_passkeys" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "authsome_passkeys_app_id_idx" ON "authsome_passkeys" USING btree ("app_id");