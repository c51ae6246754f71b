"""Customer tiers, run through SQLAlchemy."""
import os

from sqlalchemy import create_engine, text

engine = create_engine(os.environ["DATABASE_URL"])

with engine.begin() as conn:
    conn.execute(text("CREATE TABLE customers (id SERIAL PRIMARY KEY, name TEXT NOT NULL)"))
    conn.execute(text("ALTER TABLE customers ADD COLUMN tier VARCHAR(20) DEFAULT 'standard'"))
    conn.execute(
        text("UPDATE customers SET tier = :tier WHERE name LIKE :pattern"),
        {"tier": "gold", "pattern": "VIP%"},
    )
    conn.execute(text("CREATE UNIQUE INDEX ix_customers_name ON customers (lower(name))"))
