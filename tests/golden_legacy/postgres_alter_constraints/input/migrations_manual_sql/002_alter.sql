ALTER TABLE invoices ALTER COLUMN amount TYPE NUMERIC(12, 2) USING amount::numeric;
ALTER TABLE invoices ALTER COLUMN status SET DEFAULT 'open';
UPDATE invoices SET status = 'open' WHERE status IS NULL;
ALTER TABLE invoices ALTER COLUMN status SET NOT NULL;
ALTER TABLE invoices ADD CONSTRAINT fk_invoices_customer
    FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE RESTRICT;
ALTER TABLE invoices ADD CONSTRAINT ck_invoices_amount CHECK (amount >= 0);
ALTER TABLE customers ADD CONSTRAINT uq_customers_email UNIQUE (email);
ALTER TABLE customers DROP CONSTRAINT uq_customers_email;
ALTER TABLE customers ALTER COLUMN email DROP NOT NULL;
