-- Booking a consultant is now decided under a transaction-scoped lock on the consultant's name
-- (sqltx.Tx.Lock), which needs no row: the lock table is no longer used.
DROP TABLE IF EXISTS consultant_locks;
