DROP INDEX "authsome_oauth_accounts_user_id_idx";--> statement-breakpoint
DROP INDEX "authsome_oauth_accounts_provider_account_uq";--> statement-breakpoint
ALTER TABLE "authsome_oauth_accounts" ADD COLUMN "env_id" text;--> statement-breakpoint
UPDATE "authsome_oauth_accounts" AS a SET "env_id" = u."env_id" FROM "authsome_users" AS u WHERE u."id" = a."user_id";--> statement-breakpoint
ALTER TABLE "authsome_oauth_accounts" ALTER COLUMN "env_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "authsome_oauth_accounts" ADD CONSTRAINT "authsome_oauth_accounts_env_id_authsome_environments_id_fk" FOREIGN KEY ("env_id") REFERENCES "public"."authsome_environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_oauth_accounts_user_provider_uq" ON "authsome_oauth_accounts" USING btree ("user_id","provider");--> statement-breakpoint
CREATE INDEX "authsome_oauth_accounts_env_id_idx" ON "authsome_oauth_accounts" USING btree ("env_id");--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_oauth_accounts_provider_account_uq" ON "authsome_oauth_accounts" USING btree ("app_id","env_id","provider","provider_account_id");