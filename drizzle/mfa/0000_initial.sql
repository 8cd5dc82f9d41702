CREATE TABLE "authsome_mfa_enrollments" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"method" text NOT NULL,
	"secret_sealed" text NOT NULL,
	"verified_at" timestamp with time zone,
	"last_used_step" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "authsome_mfa_enrollments_method_check" CHECK ("authsome_mfa_enrollments"."method" IN ('totp'))
);
--> statement-breakpoint
CREATE TABLE "authsome_mfa_recovery_codes" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"code_hash" text NOT NULL,
	"used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "authsome_mfa_enrollments" ADD CONSTRAINT "authsome_mfa_enrollments_user_id_authsome_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."authsome_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authsome_mfa_recovery_codes" ADD CONSTRAINT "authsome_mfa_recovery_codes_user_id_authsome_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."authsome_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_mfa_enrollments_user_id_method_uq" ON "authsome_mfa_enrollments" USING btree ("user_id","method");--> statement-breakpoint
CREATE UNIQUE INDEX "authsome_mfa_recovery_codes_user_id_code_hash_uq" ON "authsome_mfa_recovery_codes" USING btree ("user_id","code_hash");