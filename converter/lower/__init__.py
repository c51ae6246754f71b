"""Lower parsed statements to ops: one module per statement family."""
