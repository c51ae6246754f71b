CREATE TABLE customers (
    id SERIAL PRIMARY KEY,
    email VARCHAR(200) NOT NULL
);
CREATE TABLE invoices (
    id BIGSERIAL PRIMARY KEY,
    customer_id INTEGER NOT NULL,
    amount TEXT,
    status VARCHAR(20)
);
