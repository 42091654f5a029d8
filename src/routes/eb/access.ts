// The access point county platforms push to (GD/J 083): EBMStateResponse and EBMBrdLog
// (what played where) and ConnectionCheck (their heartbeat), each answered with an
// EBDResponse package. Everything is checked before anything is written: size and tar
// members, the hardened XML reader, a registered source EBRID, the signature when the
// platform has a certificate, required fields, and EBMIDs that are that platform's.
import type { Context } from "hono";
import { defineOperation } from "../operation.js";
import type { AppEnv } from "../../http/env.js";
import { requireContentType } from "../../http/body.js";
import { AppError } from "../../lib/errors.js";
import { findPlatformByEbrid, platformSeen, toPeer } from "../../db/queries/eb-platforms.js";
import { nextEbdId } from "../../db/queries/eb-broadcasts.js";
import { writeAudit } from "../../db/queries/audit.js";
import { applyEbStates } from "../../dispatch/eb-states.js";
import { stateAudit } from "../../jobs/eb-heartbeat.js";
import { buildPackage, readPackage } from "../../../channels/eb/exchange.js";
import { PACKAGE_LIMITS } from "../../../channels/eb/package.js";
import { parseBrdLog, parseStateResponse, type StateReport } from "../../../channels/eb/parse.js";
import { responsePayload } from "../../../channels/eb/messages.js";

async function readUpload(c: Context<AppEnv>): Promise<Uint8Array> {
  requireContentType(c, ["multipart/form-data"]);
  let form: FormData;
  try {
    form = await c.req.formData();
  } catch (e) {
    throw new AppError("bad_request", `body is not readable multipart/form-data: ${(e as Error).message}`, {
      extra: { ebProblem: "bad_multipart" },
    });
  }
  const file = form.get("file");
  if (!(file instanceof Blob))
    throw new AppError("bad_request", "multipart part 'file' (the EBD tar) is missing", {
      extra: { ebProblem: "no_file_part" },
    });
  return new Uint8Array(await file.arrayBuffer());
}

export default defineOperation({
  method: "post",
  path: "/eb/access",
  summary:
    "County broadcast platforms push EBD packages here (multipart part `file`, EBD tar): " +
    "EBMStateResponse, EBMBrdLog, ConnectionCheck; the answer is an EBD tar holding an EBDResponse",
  tag: "eb",
  auth: "ebPackage",
  bodyType: "multipart/form-data",
  responseType: "application/x-tar",
  success: [200, "EBD tar with EBDResponse (ResultCode 1)"],
  handler: async (c) => {
    const s = c.get("services");
    const ours = s.config.ebResourceCode;
    if (!ours)
      throw new AppError(
        "forbidden",
        "this service has no EBRID (EB_RESOURCE_CODE is not set): it takes no broadcast platform packages",
        { extra: { ebProblem: "not_configured" } },
      );
    const bytes = await readUpload(c);
    const { ebd, peer } = await readPackage(
      bytes,
      async (src) => {
        const p = await findPlatformByEbrid(s.db, src);
        return p && p.active ? toPeer(p) : null;
      },
      { limits: { ...PACKAGE_LIMITS, maxTotalBytes: s.config.maxEbBytes } },
    );
    if (ebd.dest && ebd.dest !== ours) {
      throw new AppError("validation_failed", `DEST/EBRID ${ebd.dest} is not this service's EBRID ${ours}`, {
        errors: [{ path: "EBD.DEST.EBRID", message: "not ours", code: "wrong_dest" }],
      });
    }
    let reports: StateReport[] = [];
    if (ebd.type === "EBMStateResponse") reports = [parseStateResponse(ebd.payload, peer.options)];
    else if (ebd.type === "EBMBrdLog") reports = parseBrdLog(ebd.payload, peer.options);
    else if (ebd.type !== "ConnectionCheck") {
      throw new AppError(
        "validation_failed",
        `EBDType ${ebd.type} is not taken here (EBMStateResponse, EBMBrdLog, ConnectionCheck)`,
        {
          errors: [{ path: "EBD.EBDType", message: "not accepted", code: "unsupported_type" }],
        },
      );
    }
    const at = s.now();
    const who = { actor: `eb:${peer.resourceCode}`, actorKind: "webhook" as const, requestId: c.get("requestId") };
    const applied = await s.db.transaction(async (tx) => {
      const r = reports.length > 0 ? await applyEbStates(tx, peer, reports, at, who) : { applied: 0, unknown: [] };
      // Only EBMIDs of broadcasts we sent this platform; a report of nothing we know is refused whole.
      if (reports.length > 0 && r.unknown.length === reports.length) {
        throw new AppError(
          "not_found",
          `no broadcast with EBMID ${r.unknown.join(", ")} was sent to platform ${peer.resourceCode}`,
          { extra: { ebProblem: "unknown_ebmid", ebmIds: r.unknown } },
        );
      }
      const seen = await platformSeen(tx, peer.id, at);
      if (seen) await writeAudit(tx, stateAudit(seen, who.actor));
      return r.applied;
    });
    c.get("log").info("eb package received", {
      platform: peer.resourceCode,
      type: ebd.type,
      ebdId: ebd.ebdId,
      applied,
    });
    const tar = await buildPackage(
      peer,
      {
        ebdId: await nextEbdId(s.db, ours),
        type: "EBDResponse",
        source: ours,
        dest: peer.resourceCode,
        related: ebd.ebdId,
        time: at,
      },
      responsePayload(
        1,
        ebd.type === "ConnectionCheck" ? "heartbeat received" : `received ${reports.length} state report(s)`,
      ),
    );
    return c.body(tar as Uint8Array<ArrayBuffer>, 200, { "content-type": "application/x-tar" });
  },
});
