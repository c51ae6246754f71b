"""Orders table and a status column, for PostgreSQL.

    DATABASE_URL=postgresql://... python migrate_orders.py
"""
import os

import psycopg2

STATUSES = ("new", "paid")


def main():
    conn = psycopg2.connect(os.environ["DATABASE_URL"])
    cur = conn.cursor()
    cur.execute(
        """
        CREATE TABLE IF NOT EXISTS orders (
            id SERIAL PRIMARY KEY,
            total NUMERIC(10, 2) NOT NULL DEFAULT 0
        )
        """
    )
    cur.execute("ALTER TABLE orders ADD COLUMN IF NOT EXISTS status VARCHAR(20)")
    cur.execute("UPDATE orders SET status = %s WHERE status IS NULL", ("new",))
    cur.execute("CREATE INDEX IF NOT EXISTS ix_orders_status ON orders (status)")
    conn.commit()
    conn.close()


if __name__ == "__main__":
    main()
