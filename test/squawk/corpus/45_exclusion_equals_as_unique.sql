-- expected: safe
-- case: an exclusion constraint of = only, said as UNIQUE: the index CONCURRENTLY, then USING INDEX
SET lock_timeout = '2s';
SET statement_timeout = '60s';
CREATE UNIQUE INDEX CONCURRENTLY bookings_room_id_key ON bookings (room, id);
ALTER TABLE bookings ADD CONSTRAINT bookings_room_id_key UNIQUE USING INDEX bookings_room_id_key;
