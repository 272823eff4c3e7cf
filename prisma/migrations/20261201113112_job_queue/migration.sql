-- CreateTable
CREATE TABLE "JobOutbox" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "singletonKey" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "JobOutbox_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ScheduleFire" (
    "key" TEXT NOT NULL,
    "schedule" TEXT NOT NULL,
    "scheduledFor" TIMESTAMP(3) NOT NULL,
    "claimedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "instance" TEXT NOT NULL,
    "kind" TEXT NOT NULL,

    CONSTRAINT "ScheduleFire_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "MailReceipt" (
    "key" TEXT NOT NULL,
    "sentAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "MailReceipt_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "JobOutbox_createdAt_idx" ON "JobOutbox"("createdAt");

-- CreateIndex
CREATE INDEX "ScheduleFire_schedule_claimedAt_idx" ON "ScheduleFire"("schedule", "claimedAt");
