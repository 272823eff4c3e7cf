-- CreateTable
CREATE TABLE "PolicyNotice" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claimedAt" TIMESTAMP(3),
    "sentAt" TIMESTAMP(3),

    CONSTRAINT "PolicyNotice_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PolicyNotice_status_createdAt_idx" ON "PolicyNotice"("status", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "PolicyNotice_userId_kind_version_key" ON "PolicyNotice"("userId", "kind", "version");

-- AddForeignKey
ALTER TABLE "PolicyNotice" ADD CONSTRAINT "PolicyNotice_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
