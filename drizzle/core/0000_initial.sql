CREATE TABLE "authsome_api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"env_id" text NOT NULL,
	"user_id" text NOT NULL,
	"name" text NOT NULL,
	"key_hash" text NOT NULL,
	"key_prefix" text NOT NULL,
	"scopes" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"expires_at" timestamp with time zone,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "authsome_app_session_configs" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"token_ttl_seconds" integer,
	"refresh_token_ttl_seconds" integer,
	"max_active_sessions" integer,
	"rotate_refresh_token" boolean,
	"bind_to_ip" boolean,
	"bind_to_device" boolean,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "authsome_apps" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"slug" text NOT NULL,
	"logo" text DEFAULT '' NOT NULL,
	"is_platform" boolean DEFAULT false NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"publishable_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "authsome_audit_events" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text,
	"env_id" text,
	"user_id" text,
	"type" text NOT NULL,
	"ip_address" text DEFAULT '' NOT NULL,
	"user_agent" text DEFAULT '' NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "authsome_branding_configs" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"org_id" text NOT NULL,
	"logo_url" text DEFAULT '' NOT NULL,
	"primary_color" text DEFAULT '' NOT NULL,
	"background_color" text DEFAULT '' NOT NULL,
	"accent_color" text DEFAULT '' NOT NULL,
	"font_family" text DEFAULT '' NOT NULL,
	"custom_css" text DEFAULT '' NOT NULL,
	"company_name" text DEFAULT '' NOT NULL,
	"tagline" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "authsome_ceremonies" (
	"key_hash" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"app_id" text,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "authsome_devices" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"env_id" text NOT NULL,
	"user_id" text NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"type" text DEFAULT '' NOT NULL,
	"browser" text DEFAULT '' NOT NULL,
	"os" text DEFAULT '' NOT NULL,
	"ip_address" text DEFAULT '' NOT NULL,
	"fingerprint" text DEFAULT '' NOT NULL,
	"trusted" boolean DEFAULT false NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "authsome_environments" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"name" text NOT NULL,
	"slug" text NOT NULL,
	"type" text NOT NULL,
	"is_default" boolean DEFAULT false NOT NULL,
	"color" text DEFAULT '' NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"settings" jsonb,
	"cloned_from" text,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "authsome_environments_type_check" CHECK ("authsome_environments"."type" IN ('development', 'staging', 'production'))
);
--> statement-breakpoint
CREATE TABLE "authsome_form_configs" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"form_type" text DEFAULT 'signup' NOT NULL,
	"fields" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "authsome_invitations" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"email" text NOT NULL,
	"role" text DEFAULT 'member' NOT NULL,
	"inviter_id" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"token_hash" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "authsome_invitations_status_check" CHECK ("authsome_invitations"."status" IN ('pending', 'accepted', 'declined', 'expired', 'revoked'))
);
--> statement-breakpoint
CREATE TABLE "authsome_members" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"user_id" text NOT NULL,
	"role" text DEFAULT 'member' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "authsome_notifications" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"env_id" text NOT NULL,
	"user_id" text,
	"type" text NOT NULL,
	"channel" text NOT NULL,
	"recipient" text DEFAULT '' NOT NULL,
	"subject" text DEFAULT '' NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"sent_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "authsome_notifications_channel_check" CHECK ("authsome_notifications"."channel" IN ('email', 'sms', 'push'))
);
--> statement-breakpoint
CREATE TABLE "authsome_organizations" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"env_id" text NOT NULL,
	"name" text NOT NULL,
	"slug" text NOT NULL,
	"logo" text DEFAULT '' NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "authsome_password_resets" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"env_id" text NOT NULL,
	"user_id" text NOT NULL,
	"token_hash" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"consumed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "authsome_rate_limits" (
	"key" text PRIMARY KEY NOT NULL,
	"hits" integer DEFAULT 0 NOT NULL,
	"window_started_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "authsome_revoked_refresh_tokens" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"family_id" text NOT NULL,
	"reason" text DEFAULT '' NOT NULL,
	"revoked_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "authsome_role_permissions" (
	"id" text PRIMARY KEY NOT NULL,
	"role_id" text NOT NULL,
	"action" text NOT NULL,
	"resource" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "authsome_roles" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"env_id" text NOT NULL,
	"parent_id" text,
	"name" text NOT NULL,
	"slug" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "authsome_sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"env_id" text NOT NULL,
	"user_id" text NOT NULL,
	"org_id" text,
	"token_hash" text NOT NULL,
	"refresh_token_hash" text NOT NULL,
	"family_id" text NOT NULL,
	"ip_address" text DEFAULT '' NOT NULL,
	"user_agent" text DEFAULT '' NOT NULL,
	"device_id" text,
	"impersonated_by" text,
	"expires_at" timestamp with time zone NOT NULL,
	"refresh_expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "authsome_teams" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"name" text NOT NULL,
	"slug" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "authsome_user_roles" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"role_id" text NOT NULL,
	"org_id" text,
	"assigned_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "authsome_users" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"env_id" text NOT NULL,
	"email" text NOT NULL,
	"email_verified" boolean DEFAULT false NOT NULL,
	"first_name" text DEFAULT '' NOT NULL,
	"last_name" text DEFAULT '' NOT NULL,
	"image" text DEFAULT '' NOT NULL,
	"username" text DEFAULT '' NOT NULL,
	"display_username" text DEFAULT '' NOT NULL,
	"phone" text DEFAULT '' NOT NULL,
	"phone_verified" boolean DEFAULT false NOT NULL,
	"banned" boolean DEFAULT false NOT NULL,
	"ban_reason" text DEFAULT '' NOT NULL,
	"ban_expires" timestamp with time zone,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "authsome_verifications" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"env_id" text NOT NULL,
	"user_id" text NOT NULL,
	"type" text NOT NULL,
	"token_hash" text NOT NULL,
	"code_hash" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"consumed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "authsome_verifications_type_check" CHECK ("authsome_verifications"."type" IN ('email', 'phone', 'magic_link'))
);
--> statement-breakpoint
CREATE TABLE "authsome_webhooks" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL,
	"env_id" text NOT NULL,
	"url" text NOT NULL,
	"events" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"secret_sealed" text NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "authsome_api_keys" ADD CONSTRAINT "authsome_api_keys_app_id_authsome_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."authsome_apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_api_keys" ADD CONSTRAINT "authsome_api_keys_env_id_authsome_environments_id_fk" FOREIGN KEY ("env_id") REFERENCES "public"."authsome_environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_api_keys" ADD CONSTRAINT "authsome_api_keys_user_id_authsome_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."authsome_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_app_session_configs" ADD CONSTRAINT "authsome_app_session_configs_app_id_authsome_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."authsome_apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_audit_events" ADD CONSTRAINT "authsome_audit_events_app_id_authsome_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."authsome_apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_audit_events" ADD CONSTRAINT "authsome_audit_events_env_id_authsome_environments_id_fk" FOREIGN KEY ("env_id") REFERENCES "public"."authsome_environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_audit_events" ADD CONSTRAINT "authsome_audit_events_user_id_authsome_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."authsome_users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_branding_configs" ADD CONSTRAINT "authsome_branding_configs_app_id_authsome_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."authsome_apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_branding_configs" ADD CONSTRAINT "authsome_branding_configs_org_id_authsome_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."authsome_organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_ceremonies" ADD CONSTRAINT "authsome_ceremonies_app_id_authsome_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."authsome_apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_devices" ADD CONSTRAINT "authsome_devices_app_id_authsome_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."authsome_apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_devices" ADD CONSTRAINT "authsome_devices_env_id_authsome_environments_id_fk" FOREIGN KEY ("env_id") REFERENCES "public"."authsome_environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_devices" ADD CONSTRAINT "authsome_devices_user_id_authsome_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."authsome_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_environments" ADD CONSTRAINT "authsome_environments_app_id_authsome_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."authsome_apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_environments" ADD CONSTRAINT "authsome_environments_cloned_from_authsome_environments_id_fk" FOREIGN KEY ("cloned_from") REFERENCES "public"."authsome_environments"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_form_configs" ADD CONSTRAINT "authsome_form_configs_app_id_authsome_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."authsome_apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_invitations" ADD CONSTRAINT "authsome_invitations_org_id_authsome_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."authsome_organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_invitations" ADD CONSTRAINT "authsome_invitations_inviter_id_authsome_users_id_fk" FOREIGN KEY ("inviter_id") REFERENCES "public"."authsome_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_members" ADD CONSTRAINT "authsome_members_org_id_authsome_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."authsome_organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_members" ADD CONSTRAINT "authsome_members_user_id_authsome_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."authsome_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_notifications" ADD CONSTRAINT "authsome_notifications_app_id_authsome_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."authsome_apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_notifications" ADD CONSTRAINT "authsome_notifications_env_id_authsome_environments_id_fk" FOREIGN KEY ("env_id") REFERENCES "public"."authsome_environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_notifications" ADD CONSTRAINT "authsome_notifications_user_id_authsome_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."authsome_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_organizations" ADD CONSTRAINT "authsome_organizations_app_id_authsome_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."authsome_apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_organizations" ADD CONSTRAINT "authsome_organizations_env_id_authsome_environments_id_fk" FOREIGN KEY ("env_id") REFERENCES "public"."authsome_environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_organizations" ADD CONSTRAINT "authsome_organizations_created_by_authsome_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."authsome_users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_password_resets" ADD CONSTRAINT "authsome_password_resets_app_id_authsome_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."authsome_apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_password_resets" ADD CONSTRAINT "authsome_password_resets_env_id_authsome_environments_id_fk" FOREIGN KEY ("env_id") REFERENCES "public"."authsome_environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_password_resets" ADD CONSTRAINT "authsome_password_resets_user_id_authsome_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."authsome_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_revoked_refresh_tokens" ADD CONSTRAINT "authsome_revoked_refresh_tokens_app_id_authsome_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."authsome_apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_role_permissions" ADD CONSTRAINT "authsome_role_permissions_role_id_authsome_roles_id_fk" FOREIGN KEY ("role_id") REFERENCES "public"."authsome_roles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_roles" ADD CONSTRAINT "authsome_roles_app_id_authsome_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."authsome_apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_roles" ADD CONSTRAINT "authsome_roles_env_id_authsome_environments_id_fk" FOREIGN KEY ("env_id") REFERENCES "public"."authsome_environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_roles" ADD CONSTRAINT "authsome_roles_parent_id_authsome_roles_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."authsome_roles"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_sessions" ADD CONSTRAINT "authsome_sessions_app_id_authsome_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."authsome_apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_sessions" ADD CONSTRAINT "authsome_sessions_env_id_authsome_environments_id_fk" FOREIGN KEY ("env_id") REFERENCES "public"."authsome_environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_sessions" ADD CONSTRAINT "authsome_sessions_user_id_authsome_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."authsome_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_sessions" ADD CONSTRAINT "authsome_sessions_org_id_authsome_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."authsome_organizations"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_sessions" ADD CONSTRAINT "authsome_sessions_device_id_authsome_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."authsome_devices"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_sessions" ADD CONSTRAINT "authsome_sessions_impersonated_by_authsome_users_id_fk" FOREIGN KEY ("impersonated_by") REFERENCES "public"."authsome_users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_teams" ADD CONSTRAINT "authsome_teams_org_id_authsome_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."authsome_organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_user_roles" ADD CONSTRAINT "authsome_user_roles_user_id_authsome_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."authsome_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_user_roles" ADD CONSTRAINT "authsome_user_roles_role_id_authsome_roles_id_fk" FOREIGN KEY ("role_id") REFERENCES "public"."authsome_roles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_user_roles" ADD CONSTRAINT "authsome_user_roles_org_id_authsome_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."authsome_organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_users" ADD CONSTRAINT "authsome_users_app_id_authsome_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."authsome_apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_users" ADD CONSTRAINT "authsome_users_env_id_authsome_environments_id_fk" FOREIGN KEY ("env_id") REFERENCES "public"."authsome_environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_verifications" ADD CONSTRAINT "authsome_verifications_app_id_authsome_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."authsome_apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_verifications" ADD CONSTRAINT "authsome_verifications_env_id_authsome_environments_id_fk" FOREIGN KEY ("env_id") REFERENCES "public"."authsome_environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_verifications" ADD CONSTRAINT "authsome_verifications_user_id_authsome_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."authsome_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_webhooks" ADD CONSTRAINT "authsome_webhooks_app_id_authsome_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."authsome_apps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_webhooks" ADD CONSTRAINT "authsome_webhooks_env_id_authsome_environments_id_fk" FOREIGN KEY ("env_id") REFERENCES "public"."authsome_environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_api_keys_key_hash_uq" ON "authsome_api_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_api_keys_app_id_key_prefix_uq" ON "authsome_api_keys" USING btree ("app_id","key_prefix");--> statement-breakpoint
CREATE INDEX "authsome_api_keys_user_id_id_idx" ON "authsome_api_keys" USING btree ("user_id","id");--> statement-breakpoint
CREATE INDEX "authsome_api_keys_env_id_idx" ON "authsome_api_keys" USING btree ("env_id");--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_app_session_configs_app_id_uq" ON "authsome_app_session_configs" USING btree ("app_id");--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_apps_slug_uq" ON "authsome_apps" USING btree ("slug");--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_apps_publishable_key_uq" ON "authsome_apps" USING btree ("publishable_key");--> statement-breakpoint
CREATE INDEX "authsome_audit_events_app_id_id_idx" ON "authsome_audit_events" USING btree ("app_id","id");--> statement-breakpoint
CREATE INDEX "authsome_audit_events_user_id_id_idx" ON "authsome_audit_events" USING btree ("user_id","id");--> statement-breakpoint
CREATE INDEX "authsome_audit_events_env_id_idx" ON "authsome_audit_events" USING btree ("env_id");--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_branding_configs_org_id_uq" ON "authsome_branding_configs" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "authsome_branding_configs_app_id_idx" ON "authsome_branding_configs" USING btree ("app_id");--> statement-breakpoint
CREATE INDEX "authsome_ceremonies_expires_at_idx" ON "authsome_ceremonies" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "authsome_ceremonies_app_id_idx" ON "authsome_ceremonies" USING btree ("app_id");--> statement-breakpoint
CREATE INDEX "authsome_devices_user_id_last_seen_at_idx" ON "authsome_devices" USING btree ("user_id","last_seen_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_devices_user_id_fingerprint_uq" ON "authsome_devices" USING btree ("user_id","fingerprint") WHERE "authsome_devices"."fingerprint" <> '';--> statement-breakpoint
CREATE INDEX "authsome_devices_app_id_idx" ON "authsome_devices" USING btree ("app_id");--> statement-breakpoint
CREATE INDEX "authsome_devices_env_id_idx" ON "authsome_devices" USING btree ("env_id");--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_environments_app_id_slug_uq" ON "authsome_environments" USING btree ("app_id","slug");--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_environments_default_uq" ON "authsome_environments" USING btree ("app_id") WHERE "authsome_environments"."is_default";--> statement-breakpoint
CREATE INDEX "authsome_environments_cloned_from_idx" ON "authsome_environments" USING btree ("cloned_from");--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_form_configs_app_id_form_type_uq" ON "authsome_form_configs" USING btree ("app_id","form_type");--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_invitations_token_hash_uq" ON "authsome_invitations" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "authsome_invitations_org_id_status_idx" ON "authsome_invitations" USING btree ("org_id","status");--> statement-breakpoint
CREATE INDEX "authsome_invitations_inviter_id_idx" ON "authsome_invitations" USING btree ("inviter_id");--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_members_org_id_user_id_uq" ON "authsome_members" USING btree ("org_id","user_id");--> statement-breakpoint
CREATE INDEX "authsome_members_user_id_idx" ON "authsome_members" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "authsome_notifications_user_id_id_idx" ON "authsome_notifications" USING btree ("user_id","id");--> statement-breakpoint
CREATE INDEX "authsome_notifications_app_id_idx" ON "authsome_notifications" USING btree ("app_id");--> statement-breakpoint
CREATE INDEX "authsome_notifications_env_id_idx" ON "authsome_notifications" USING btree ("env_id");--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_organizations_slug_uq" ON "authsome_organizations" USING btree ("app_id","env_id","slug");--> statement-breakpoint
CREATE INDEX "authsome_organizations_env_id_idx" ON "authsome_organizations" USING btree ("env_id");--> statement-breakpoint
CREATE INDEX "authsome_organizations_created_by_idx" ON "authsome_organizations" USING btree ("created_by");--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_password_resets_token_hash_uq" ON "authsome_password_resets" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "authsome_password_resets_user_id_idx" ON "authsome_password_resets" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "authsome_password_resets_app_id_idx" ON "authsome_password_resets" USING btree ("app_id");--> statement-breakpoint
CREATE INDEX "authsome_password_resets_env_id_idx" ON "authsome_password_resets" USING btree ("env_id");--> statement-breakpoint
CREATE INDEX "authsome_rate_limits_expires_at_idx" ON "authsome_rate_limits" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "authsome_revoked_refresh_tokens_family_id_idx" ON "authsome_revoked_refresh_tokens" USING btree ("family_id");--> statement-breakpoint
CREATE INDEX "authsome_revoked_refresh_tokens_expires_at_idx" ON "authsome_revoked_refresh_tokens" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "authsome_revoked_refresh_tokens_app_id_idx" ON "authsome_revoked_refresh_tokens" USING btree ("app_id");--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_role_permissions_role_id_action_resource_uq" ON "authsome_role_permissions" USING btree ("role_id","action","resource");--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_roles_app_id_env_id_slug_uq" ON "authsome_roles" USING btree ("app_id","env_id","slug");--> statement-breakpoint
CREATE INDEX "authsome_roles_env_id_idx" ON "authsome_roles" USING btree ("env_id");--> statement-breakpoint
CREATE INDEX "authsome_roles_parent_id_idx" ON "authsome_roles" USING btree ("parent_id");--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_sessions_token_hash_uq" ON "authsome_sessions" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_sessions_refresh_token_hash_uq" ON "authsome_sessions" USING btree ("refresh_token_hash");--> statement-breakpoint
CREATE INDEX "authsome_sessions_user_id_id_idx" ON "authsome_sessions" USING btree ("user_id","id");--> statement-breakpoint
CREATE INDEX "authsome_sessions_family_id_idx" ON "authsome_sessions" USING btree ("family_id");--> statement-breakpoint
CREATE INDEX "authsome_sessions_refresh_expires_at_idx" ON "authsome_sessions" USING btree ("refresh_expires_at");--> statement-breakpoint
CREATE INDEX "authsome_sessions_app_id_idx" ON "authsome_sessions" USING btree ("app_id");--> statement-breakpoint
CREATE INDEX "authsome_sessions_env_id_idx" ON "authsome_sessions" USING btree ("env_id");--> statement-breakpoint
CREATE INDEX "authsome_sessions_org_id_idx" ON "authsome_sessions" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "authsome_sessions_device_id_idx" ON "authsome_sessions" USING btree ("device_id");--> statement-breakpoint
CREATE INDEX "authsome_sessions_impersonated_by_idx" ON "authsome_sessions" USING btree ("impersonated_by");--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_teams_org_id_slug_uq" ON "authsome_teams" USING btree ("org_id","slug");--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_user_roles_app_wide_uq" ON "authsome_user_roles" USING btree ("user_id","role_id") WHERE "authsome_user_roles"."org_id" IS NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_user_roles_org_uq" ON "authsome_user_roles" USING btree ("user_id","role_id","org_id") WHERE "authsome_user_roles"."org_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "authsome_user_roles_role_id_idx" ON "authsome_user_roles" USING btree ("role_id");--> statement-breakpoint
CREATE INDEX "authsome_user_roles_org_id_idx" ON "authsome_user_roles" USING btree ("org_id");--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_users_email_live_uq" ON "authsome_users" USING btree ("app_id","env_id","email") WHERE "authsome_users"."deleted_at" IS NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_users_username_live_uq" ON "authsome_users" USING btree ("app_id","env_id","username") WHERE "authsome_users"."deleted_at" IS NULL AND "authsome_users"."username" <> '';--> statement-breakpoint
CREATE INDEX "authsome_users_app_id_env_id_id_idx" ON "authsome_users" USING btree ("app_id","env_id","id");--> statement-breakpoint
CREATE INDEX "authsome_users_env_id_idx" ON "authsome_users" USING btree ("env_id");--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_verifications_token_hash_uq" ON "authsome_verifications" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "authsome_verifications_user_id_type_idx" ON "authsome_verifications" USING btree ("user_id","type");--> statement-breakpoint
CREATE INDEX "authsome_verifications_app_id_idx" ON "authsome_verifications" USING btree ("app_id");--> statement-breakpoint
CREATE INDEX "authsome_verifications_env_id_idx" ON "authsome_verifications" USING btree ("env_id");--> statement-breakpoint
CREATE INDEX "authsome_webhooks_app_id_active_idx" ON "authsome_webhooks" USING btree ("app_id","active");--> statement-breakpoint
CREATE INDEX "authsome_webhooks_env_id_active_idx" ON "authsome_webhooks" USING btree ("env_id","active");