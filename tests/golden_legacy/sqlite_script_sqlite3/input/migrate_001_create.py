"""Create the tasks table."""
import sqlite3

conn = sqlite3.connect("instance/app.db")
cur = conn.cursor()
cur.execute("CREATE TABLE IF NOT EXISTS tasks (id INTEGER PRIMARY KEY, title TEXT NOT NULL)")
conn.commit()
conn.close()
