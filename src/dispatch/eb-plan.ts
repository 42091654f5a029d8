// Planning channel eb (DESIGN §12): one delivery per warning × county platform that
// reaches any targeted village, with the villages it reaches fixed in eb_broadcasts
// (the EBM's AreaCode and what the coverage counters count). A cancel goes to every
// platform that accepted the thread's broadcast and names that broadcast's EBMID.
// One statement each, like the rest of the planner.
import { sql } from "drizzle-orm";
import type { Db } from "../db/client.js";
import type { Warning } from "../db/queries/warnings.js";
import { ledgerKey } from "./ledger-key.js";
import { countPlannedBroadcasts } from "../deliveries/coverage.js";
import { advanceLedger, ledgerId, lockLedger } from "../deliveries/ledger-ids.js";

export async function planEbDeliveries(tx: Db, w: Warning, rank: number, at: string): Promise<number> {
  // Loudspeakers speak to everyone: only public warnings use them. A cancel follows
  // whatever the thread's broadcasts were, whatever its own channel list says.
  if (w.msgType !== "Cancel" && !(w.channels.includes("eb") && w.audiences.includes("public"))) return 0;
  const rows = await tx.execute<{ n: number }>(
    w.msgType === "Cancel"
      ? sql`
    with t as (
      select distinct on (b.platform_id)
        b.platform_id as id, b.ebm_id as related, b.villages, d.village_code as area_code, d.language as lang
      from eb_broadcasts b
      join deliveries d on d.id = b.delivery_id
      join warnings p on p.id = b.warning_id
      where p.thread_id = ${w.threadId} and p.id <> ${w.id}
        and b.msg_type = 1 and b.ebm_id is not null and d.sent_at is not null
      order by b.platform_id, p.version desc
    ),
    ${insertFrom(w, rank, at)}
    select count(*)::int as n from b`
      : sql`
    with t as (
      select p.id, p.area_code, (p.options ->> 'language') as lang, null::text as related,
             array_agg(cv.village_code order by cv.village_code) as villages
      from eb_platforms p
      join coverage_villages cv on cv.warning_id = ${w.id}
        and case when p.villages is null then left(cv.village_code, 6) = left(p.area_code, 6)
                 else cv.village_code = any(p.villages) end
      where p.active
      group by p.id
    ),
    ${insertFrom(w, rank, at)}
    select count(*)::int as n from b`,
  );
  return rows[0]?.n ?? 0;
}

const insertFrom = (w: Warning, rank: number, at: string) => sql`
    ${lockLedger(sql`${w.id}::uuid`)},
    ins as (
      insert into deliveries
        (id, warning_id, issued_at, channel, device_id, village_code, language, level_rank, status, queued_at, next_attempt_at)
      select ${ledgerId("ledger", sql`row_number() over ()`)}, ${w.id}::uuid, ${ledgerKey(w)}, 'eb', t.id, t.area_code,
             coalesce(t.lang, 'zh')::language, ${rank}::smallint, 'queued', ${at}::timestamptz, ${at}::timestamptz
      from t left join ledger on true
      returning id, device_id, warning_id
    ),
    ${advanceLedger("ins")},
    b as (
      insert into eb_broadcasts (delivery_id, warning_id, platform_id, msg_type, related_ebm_id, villages)
      select ins.id, ${w.id}::uuid, t.id, ${w.msgType === "Cancel" ? 2 : 1}, t.related, t.villages
      from ins join t on t.id = ins.device_id
      returning warning_id, villages
    ),
    ${countPlannedBroadcasts("b")}`;
