-- CreateEnum
CREATE TYPE "RefundDestination" AS ENUM ('coins', 'card');

-- CreateEnum
CREATE TYPE "PaidWith" AS ENUM ('card', 'coins');

-- CreateEnum
CREATE TYPE "PaymentPurpose" AS ENUM ('order', 'coins', 'auto_top_up', 'card_setup');

-- CreateEnum
CREATE TYPE "PaymentStatus" AS ENUM ('pending', 'succeeded', 'failed', 'expired', 'refunded', 'partially_refunded');

-- CreateEnum
CREATE TYPE "CoinEntryKind" AS ENUM ('top_up', 'order_charge', 'refund', 'expiry', 'adjustment');

-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "attestedAt" TIMESTAMP(3),
ADD COLUMN     "paidAt" TIMESTAMP(3),
ADD COLUMN     "paidWith" "PaidWith",
ADD COLUMN     "provider" TEXT,
ADD COLUMN     "refundTo" "RefundDestination" NOT NULL DEFAULT 'coins',
ADD COLUMN     "termsVersion" TEXT,
ADD COLUMN     "wizardStep" INTEGER NOT NULL DEFAULT 1;

-- CreateTable
CREATE TABLE "SourceImage" (
    "id" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "caption" TEXT,
    "sha256" TEXT NOT NULL,
    "storageKey" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "bytes" INTEGER NOT NULL,
    "uploadedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SourceImage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ResultFile" (
    "id" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "storageKey" TEXT NOT NULL,
    "mime" TEXT NOT NULL,
    "bytes" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "publishedAt" TIMESTAMP(3),

    CONSTRAINT "ResultFile_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Payment" (
    "id" TEXT NOT NULL,
    "userId" TEXT,
    "orderId" TEXT,
    "purpose" "PaymentPurpose" NOT NULL,
    "mode" TEXT NOT NULL,
    "status" "PaymentStatus" NOT NULL DEFAULT 'pending',
    "coins" INTEGER,
    "amountSubtotal" INTEGER NOT NULL,
    "amountTax" INTEGER NOT NULL DEFAULT 0,
    "amountTotal" INTEGER NOT NULL,
    "amountRefunded" INTEGER NOT NULL DEFAULT 0,
    "currency" TEXT NOT NULL,
    "billingCountry" TEXT,
    "stripeCheckoutSessionId" TEXT,
    "stripePaymentIntentId" TEXT,
    "stripeSetupIntentId" TEXT,
    "checkoutUrl" TEXT,
    "invoiceNumber" TEXT,
    "failureReason" TEXT,
    "disputeStatus" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "paidAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Payment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InvoiceCounter" (
    "series" TEXT NOT NULL,
    "last" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "InvoiceCounter_pkey" PRIMARY KEY ("series")
);

-- CreateTable
CREATE TABLE "Refund" (
    "id" TEXT NOT NULL,
    "paymentId" TEXT,
    "orderId" TEXT,
    "destination" "RefundDestination" NOT NULL,
    "amount" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "stripeRefundId" TEXT,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMP(3),

    CONSTRAINT "Refund_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StripeEvent" (
    "id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "stripeCreatedAt" TIMESTAMP(3) NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "outcome" TEXT NOT NULL,

    CONSTRAINT "StripeEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CoinLot" (
    "id" TEXT NOT NULL,
    "userId" TEXT,
    "source" TEXT NOT NULL,
    "coins" INTEGER NOT NULL,
    "paymentId" TEXT,
    "acquiredAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "expiryWarnedAt" TIMESTAMP(3),

    CONSTRAINT "CoinLot_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CoinLedgerEntry" (
    "id" TEXT NOT NULL,
    "userId" TEXT,
    "lotId" TEXT NOT NULL,
    "kind" "CoinEntryKind" NOT NULL,
    "amount" INTEGER NOT NULL,
    "orderId" TEXT,
    "paymentId" TEXT,
    "reason" TEXT,
    "actorId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CoinLedgerEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Wallet" (
    "userId" TEXT NOT NULL,
    "stripeCustomerId" TEXT,
    "paymentMethodId" TEXT,
    "autoTopUp" BOOLEAN NOT NULL DEFAULT false,
    "autoTopUpThreshold" INTEGER NOT NULL DEFAULT 500,
    "autoTopUpBundle" TEXT NOT NULL DEFAULT 'coins_2500',
    "autoTopUpFailedAt" TIMESTAMP(3),
    "autoTopUpFailure" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Wallet_pkey" PRIMARY KEY ("userId")
);

-- CreateTable
CREATE TABLE "LegalHold" (
    "id" TEXT NOT NULL,
    "userId" TEXT,
    "orderId" TEXT,
    "source" TEXT NOT NULL,
    "reference" TEXT,
    "reason" TEXT NOT NULL,
    "placedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "releasedAt" TIMESTAMP(3),
    "releaseNote" TEXT,

    CONSTRAINT "LegalHold_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "SourceImage_storageKey_key" ON "SourceImage"("storageKey");

-- CreateIndex
CREATE INDEX "SourceImage_uploadedAt_idx" ON "SourceImage"("uploadedAt");

-- CreateIndex
CREATE UNIQUE INDEX "SourceImage_orderId_sha256_key" ON "SourceImage"("orderId", "sha256");

-- CreateIndex
CREATE UNIQUE INDEX "ResultFile_storageKey_key" ON "ResultFile"("storageKey");

-- CreateIndex
CREATE INDEX "ResultFile_orderId_idx" ON "ResultFile"("orderId");

-- CreateIndex
CREATE INDEX "ResultFile_publishedAt_idx" ON "ResultFile"("publishedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Payment_stripeCheckoutSessionId_key" ON "Payment"("stripeCheckoutSessionId");

-- CreateIndex
CREATE UNIQUE INDEX "Payment_stripePaymentIntentId_key" ON "Payment"("stripePaymentIntentId");

-- CreateIndex
CREATE UNIQUE INDEX "Payment_invoiceNumber_key" ON "Payment"("invoiceNumber");

-- CreateIndex
CREATE INDEX "Payment_userId_createdAt_idx" ON "Payment"("userId", "createdAt");

-- CreateIndex
CREATE INDEX "Payment_orderId_idx" ON "Payment"("orderId");

-- CreateIndex
CREATE INDEX "Payment_status_createdAt_idx" ON "Payment"("status", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Refund_stripeRefundId_key" ON "Refund"("stripeRefundId");

-- CreateIndex
CREATE INDEX "Refund_orderId_idx" ON "Refund"("orderId");

-- CreateIndex
CREATE INDEX "CoinLot_userId_expiresAt_idx" ON "CoinLot"("userId", "expiresAt");

-- CreateIndex
CREATE INDEX "CoinLedgerEntry_userId_createdAt_idx" ON "CoinLedgerEntry"("userId", "createdAt");

-- CreateIndex
CREATE INDEX "CoinLedgerEntry_lotId_idx" ON "CoinLedgerEntry"("lotId");

-- CreateIndex
CREATE INDEX "CoinLedgerEntry_orderId_idx" ON "CoinLedgerEntry"("orderId");

-- CreateIndex
CREATE UNIQUE INDEX "Wallet_stripeCustomerId_key" ON "Wallet"("stripeCustomerId");

-- CreateIndex
CREATE INDEX "LegalHold_userId_releasedAt_idx" ON "LegalHold"("userId", "releasedAt");

-- CreateIndex
CREATE INDEX "LegalHold_orderId_releasedAt_idx" ON "LegalHold"("orderId", "releasedAt");

-- CreateIndex
CREATE UNIQUE INDEX "LegalHold_source_reference_key" ON "LegalHold"("source", "reference");

-- AddForeignKey
ALTER TABLE "SourceImage" ADD CONSTRAINT "SourceImage_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ResultFile" ADD CONSTRAINT "ResultFile_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Payment" ADD CONSTRAINT "Payment_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Payment" ADD CONSTRAINT "Payment_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Refund" ADD CONSTRAINT "Refund_paymentId_fkey" FOREIGN KEY ("paymentId") REFERENCES "Payment"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Refund" ADD CONSTRAINT "Refund_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CoinLot" ADD CONSTRAINT "CoinLot_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CoinLot" ADD CONSTRAINT "CoinLot_paymentId_fkey" FOREIGN KEY ("paymentId") REFERENCES "Payment"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CoinLedgerEntry" ADD CONSTRAINT "CoinLedgerEntry_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CoinLedgerEntry" ADD CONSTRAINT "CoinLedgerEntry_lotId_fkey" FOREIGN KEY ("lotId") REFERENCES "CoinLot"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CoinLedgerEntry" ADD CONSTRAINT "CoinLedgerEntry_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Wallet" ADD CONSTRAINT "Wallet_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LegalHold" ADD CONSTRAINT "LegalHold_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LegalHold" ADD CONSTRAINT "LegalHold_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- The coin ledger is append-only: only the link to an account may change (cleared when
-- the account is erased; the entries stay as accounting records).
CREATE FUNCTION "coin_ledger_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'TRUNCATE') THEN
    RAISE EXCEPTION 'CoinLedgerEntry is append-only' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF (NEW."id", NEW."lotId", NEW."kind", NEW."amount", NEW."paymentId", NEW."reason", NEW."actorId", NEW."createdAt")
     IS DISTINCT FROM
     (OLD."id", OLD."lotId", OLD."kind", OLD."amount", OLD."paymentId", OLD."reason", OLD."actorId", OLD."createdAt")
     OR (NEW."userId" IS DISTINCT FROM OLD."userId" AND NEW."userId" IS NOT NULL)
     OR (NEW."orderId" IS DISTINCT FROM OLD."orderId" AND NEW."orderId" IS NOT NULL) THEN
    RAISE EXCEPTION 'CoinLedgerEntry is append-only (only userId and orderId may be cleared)' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER "CoinLedgerEntry_append_only" BEFORE UPDATE OR DELETE ON "CoinLedgerEntry"
  FOR EACH ROW EXECUTE FUNCTION "coin_ledger_append_only"();

CREATE TRIGGER "CoinLedgerEntry_no_truncate" BEFORE TRUNCATE ON "CoinLedgerEntry"
  FOR EACH STATEMENT EXECUTE FUNCTION "coin_ledger_append_only"();

-- The last line of defence behind the application's per-customer lock: no lot may be
-- spent below zero, whatever code path writes the ledger.
CREATE FUNCTION "coin_lot_not_negative"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  remaining INTEGER;
BEGIN
  -- Writers of one lot queue here, so each sum sees the entries committed before it.
  PERFORM 1 FROM "CoinLot" WHERE "id" = NEW."lotId" FOR UPDATE;
  SELECT COALESCE(SUM("amount"), 0) INTO remaining FROM "CoinLedgerEntry" WHERE "lotId" = NEW."lotId";
  IF remaining < 0 THEN
    RAISE EXCEPTION 'coin lot % would go negative (%)', NEW."lotId", remaining USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;

CREATE CONSTRAINT TRIGGER "CoinLedgerEntry_lot_not_negative" AFTER INSERT ON "CoinLedgerEntry"
  DEFERRABLE INITIALLY IMMEDIATE
  FOR EACH ROW EXECUTE FUNCTION "coin_lot_not_negative"();

-- AlterTable
ALTER TABLE "PolicyVersion" ADD COLUMN "sourceHash" TEXT;
