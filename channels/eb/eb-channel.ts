// Channel eb: hands a warning (or its cancel) to a county emergency-broadcast platform as
// an EBM in an EBD tar, and reads the platform's synchronous EBDResponse. ResultCode 1
// is `sent` (a cancel is done then: `delivered`); whether it played is read back later
// (src/jobs/eb-readback.ts, /eb/access). A refusal (2–5) fails the delivery with the
// platform's ResultDesc and shows the platform down, so its villages' 叫应 chains start.
import { ChannelError, type Channel, type OutboundMessage, type Pace, type Receipt, type Target } from "../contract.js";
import type { Db } from "../../src/db/client.js";
import type { Grading } from "../../src/config/grading.js";
import { getWarning } from "../../src/db/queries/warnings.js";
import { getPlatform, setPlatformState, toPeer } from "../../src/db/queries/eb-platforms.js";
import { assignIds, getBroadcast, recordResult } from "../../src/db/queries/eb-broadcasts.js";
import { writeAudit } from "../../src/db/queries/audit.js";
import { vendorOptionsSchema } from "./config.js";
import { exchange } from "./exchange.js";
import { ebmPayload, SEVERITY } from "./messages.js";
import { parseEbdResponse } from "./parse.js";

export interface EbChannelDeps {
  db: Db;
  /** Our own EBRID (EB_RESOURCE_CODE); unset → every eb delivery fails saying so. */
  resourceCode: string | undefined;
  grading: Grading;
  now: () => Date;
  fetchImpl?: typeof fetch;
}

export class EbChannel implements Channel {
  readonly kind = "eb" as const;
  readonly configSchema = vendorOptionsSchema;

  constructor(
    private readonly d: EbChannelDeps,
    readonly pace: Pace = { ratePerSecond: 20, concurrency: 8 },
  ) {}

  async send(message: OutboundMessage, target: Target): Promise<Receipt> {
    const ours = this.d.resourceCode;
    if (!ours) throw new ChannelError("EB_RESOURCE_CODE (our own EBRID) is not configured", "eb_not_configured", false);
    const platform = target.deviceId ? await getPlatform(this.d.db, target.deviceId) : undefined;
    if (!platform || !platform.active)
      throw new ChannelError("the broadcast platform is no longer registered or active", "eb_platform_inactive", false);
    const [b, w] = await Promise.all([
      getBroadcast(this.d.db, message.deliveryId),
      getWarning(this.d.db, message.warningId),
    ]);
    if (!b || !w) throw new ChannelError("no broadcast was planned for this delivery", "eb_not_planned", false);
    if (b.msgType === 2 && !b.relatedEbmId) {
      throw new ChannelError(
        "nothing to cancel: the warning never reached this platform",
        "eb_nothing_to_cancel",
        false,
      );
    }
    const now = this.d.now();
    const ids = await assignIds(this.d.db, b.deliveryId, ours, now);
    const options = platform.options;
    const payload = ebmPayload(
      {
        ebmId: ids.ebmId,
        msgType: b.msgType === 2 ? 2 : 1,
        relatedEbmId: b.relatedEbmId ?? undefined,
        senderName: w.senderName,
        senderCode: ours,
        sendTime: now,
        eventType: this.d.grading.types[w.type].code ?? "00000",
        severity: SEVERITY[w.level],
        // StartTime is when to start broadcasting (播发开始时间), not the hazard's onset:
        // a warning is broadcast ahead of its onset, at once.
        startTime: w.issuedAt ?? now,
        endTime: w.expires,
        language: options.language,
        title: message.subject ?? w.headline,
        description: message.text,
        areaCodes: b.villages,
      },
      options,
    );
    const answer = await exchange(
      toPeer(platform),
      { ebdId: ids.ebdId, type: "EBM", source: ours, dest: platform.resourceCode, time: now },
      payload,
      this.d.fetchImpl,
    );
    if (answer.type !== "EBDResponse") {
      throw new ChannelError(
        `platform ${platform.resourceCode} answered an EBM with ${answer.type}, not EBDResponse`,
        "eb_bad_answer",
        true,
      );
    }
    let r: { code: number; desc: string };
    try {
      r = parseEbdResponse(answer.payload);
    } catch (e) {
      throw new ChannelError(
        `platform ${platform.resourceCode} answered without a ResultCode: ${(e as Error).message}`,
        "eb_bad_answer",
        true,
      );
    }
    await recordResult(this.d.db, b.deliveryId, r.code, r.desc);
    if (r.code === 1) return { providerId: ids.ebmId, status: b.msgType === 2 ? "delivered" : "sent" };
    if (r.code === 0)
      throw new ChannelError(
        `platform ${platform.resourceCode} received the EBM but did not process it: ${r.desc}`,
        "eb_not_processed",
        true,
      );
    await this.refused(platform.id, platform.resourceCode, r, b.deliveryId);
    throw new ChannelError(
      `platform ${platform.resourceCode} refused the EBM (ResultCode ${r.code}): ${r.desc}`,
      `eb_result_${r.code}`,
      false,
    );
  }

  private async refused(id: string, resourceCode: string, r: { code: number; desc: string }, deliveryId: number) {
    const at = this.d.now();
    await this.d.db.transaction(async (tx) => {
      const change = await setPlatformState(
        tx,
        id,
        "down",
        `refused a warning (ResultCode ${r.code}): ${r.desc}`.slice(0, 500),
        at,
      );
      await writeAudit(tx, {
        actor: "dispatcher",
        actorKind: "system",
        action: "eb_platform.refused",
        subjectType: "eb_platform",
        subjectId: id,
        before: change ? { state: change.before } : undefined,
        after: { state: "down", resourceCode, deliveryId, resultCode: r.code, resultDesc: r.desc },
      });
    });
  }
}
