-- CreateTable
CREATE TABLE "ConsentEvent" (
    "id" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "userId" TEXT,
    "purpose" TEXT NOT NULL,
    "granted" BOOLEAN NOT NULL,
    "method" TEXT NOT NULL,
    "noticeKind" TEXT NOT NULL,
    "noticeVersion" TEXT NOT NULL,
    "gpc" BOOLEAN NOT NULL DEFAULT false,
    "ipHash" TEXT,
    "userAgent" TEXT,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ConsentEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ConsentEvent_subjectId_purpose_at_idx" ON "ConsentEvent"("subjectId", "purpose", "at");

-- CreateIndex
CREATE INDEX "ConsentEvent_userId_at_idx" ON "ConsentEvent"("userId", "at");

-- AddForeignKey
ALTER TABLE "ConsentEvent" ADD CONSTRAINT "ConsentEvent_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Consent proof is append-only: only the link to an account may change (set on sign-in,
-- cleared when the account is erased).
CREATE FUNCTION "consent_event_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW."id", NEW."subjectId", NEW."purpose", NEW."granted", NEW."method", NEW."noticeKind", NEW."noticeVersion", NEW."gpc", NEW."ipHash", NEW."userAgent", NEW."at")
     IS DISTINCT FROM
     (OLD."id", OLD."subjectId", OLD."purpose", OLD."granted", OLD."method", OLD."noticeKind", OLD."noticeVersion", OLD."gpc", OLD."ipHash", OLD."userAgent", OLD."at") THEN
    RAISE EXCEPTION 'ConsentEvent is append-only (only userId may change)' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER "ConsentEvent_append_only" BEFORE UPDATE ON "ConsentEvent"
  FOR EACH ROW EXECUTE FUNCTION "consent_event_append_only"();
