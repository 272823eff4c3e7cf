-- AlterTable
ALTER TABLE "Order" ALTER COLUMN "customerId" DROP NOT NULL;
