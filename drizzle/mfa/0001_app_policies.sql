CREATE TABLE "authsome_mfa_app_policies" (
	"app_id" text PRIMARY KEY NOT NULL,
	"required" boolean NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "authsome_mfa_app_policies" ADD CONSTRAINT "authsome_mfa_app_policies_app_id_authsome_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."authsome_apps"("id") ON DELETE cascade ON UPDATE no action;