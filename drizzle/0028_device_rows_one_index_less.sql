-- A device's commands are read by device only with the warnings in force named as an array
-- (warning_id = any(…) and device_id = any(…): a catch-up round, a replay's claim and read, a
-- revoke), which the (warning_id, device_id) index answers. The device-led index was one more
-- entry for each of a city's 10,000 command rows at its approve and at every change of their
-- status (~12 ms of the approve, bench:devices).
DROP INDEX "deliveries_device_open_idx";
