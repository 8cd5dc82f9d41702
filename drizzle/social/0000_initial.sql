CREATE TABLE "authsome_oauth_accounts" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"user_id" text NOT NULL,
	"provider" text NOT NULL,
	"provider_account_id" text NOT NULL,
	"email" text DEFAULT '' NOT NULL,
	"access_token_sealed" text,
	"refresh_token_sealed" text,
	"token_expires_at" timestamp with time zone,
	"scope" text DEFAULT '' NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "authsome_oauth_accounts" ADD CONSTRAINT "authsome_oauth_accounts_app_id_authsome_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."authsome_apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_oauth_accounts" ADD CONSTRAINT "authsome_oauth_accounts_user_id_authsome_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."authsome_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_oauth_accounts_provider_account_uq" ON "authsome_oauth_accounts" USING btree ("app_id","provider","provider_account_id");--> statement-breakpoint
CREATE INDEX "authsome_oauth_accounts_user_id_idx" ON "authsome_oauth_accounts" USING btree ("user_id");