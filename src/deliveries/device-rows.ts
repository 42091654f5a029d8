// Device rows (loudspeaker and display commands, county broadcasts) of deliveries `d`. A
// device row has no recipient: saying so lets a warning's device rows be read as one range
// of (warning_id, recipient_id), the only index by warning they are in (drizzle/0028).
import { sql } from "drizzle-orm";

export const DEVICE_ROWS = sql.raw(`(d.recipient_id is null and d.device_id is not null)`);
