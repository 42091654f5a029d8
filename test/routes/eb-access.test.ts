// /eb/access: what county platforms push (EBMStateResponse, EBMBrdLog, ConnectionCheck)
// is applied and answered with an EBDResponse package; hostile input gets a precise 4xx
// and writes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createHash } from "node:crypto";
import { extract } from "tar-stream";
import { sql } from "drizzle-orm";
import { useContext } from "../helpers/context.js";
import { createIssued, json } from "../helpers/factories.js";
import { dispatchWith } from "../helpers/dispatch.js";
import { FakeEbPlatform, tarOf } from "../helpers/eb-platform.js";
import { EbChannel } from "../../channels/eb/eb-channel.js";

const ctx = useContext();
const OURS = "150400000000000001";
const P1 = "150402000000000201";
const SIGNED = "150402000000000202";
let fake: FakeEbPlatform;
let signing: Server;
let ebmId = "";
let seq = 0;

const time = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 19).replace("T", " ");
const sha = (s: string) => createHash("sha256").update(s).digest("hex");

function ebd(type: string, payload: string, o: { src?: string; id?: string } = {}) {
  const id = o.id ?? `10${o.src ?? P1}${String(++seq).padStart(16, "0")}`;
  const xml =
    `<?xml version="1.0" encoding="utf-8"?><EBD><EBDVersion>1.0</EBDVersion>` +
    `<EBDID>${id}</EBDID><EBDType>${type}</EBDType><SRC><EBRID>${o.src ?? P1}</EBRID></SRC>` +
    `<DEST><EBRID>${OURS}</EBRID></DEST><EBDTime>${time()}</EBDTime>${payload}</EBD>`;
  return { id, xml };
}
const signature = (id: string, value: string) =>
  `<?xml version="1.0" encoding="utf-8"?><Signature><Version>1.0</Version>` +
  `<RelatedEBD><EBDID>${id}</EBDID></RelatedEBD><CertSN>01</CertSN>` +
  `<SignatureAlgorithm>SM2-SM3</SignatureAlgorithm><SignatureValue>${value}</SignatureValue></Signature>`;
const pkg = (e: { id: string; xml: string }, sig = signature(e.id, "")) =>
  tarOf([
    [`EBDB_${e.id}.xml`, e.xml],
    [`EBDS_EBDB_${e.id}.xml`, sig],
  ]);
const state = (id: string, code: number) =>
  `<EBMStateResponse><RptTime>${time()}</RptTime><EBM><EBMID>${id}</EBMID></EBM>` +
  `<BrdStateCode>${code}</BrdStateCode><BrdStateDesc>ok</BrdStateDesc>` +
  `<Coverage><CoverageRate>1</CoverageRate><AreaCode>150402001001</AreaCode></Coverage></EBMStateResponse>`;

function post(body: Uint8Array | Buffer | string, o: { type?: string; part?: string } = {}) {
  const form = new FormData();
  form.append(o.part ?? "file", new Blob([body]), "EBDT_x.tar");
  const req = o.type
    ? {
        method: "POST",
        body: typeof body === "string" ? body : new Uint8Array(body),
        headers: { "content-type": o.type },
      }
    : { method: "POST", body: form };
  return Promise.resolve(ctx().app.request("/eb/access", req));
}

async function untarResponse(res: Response) {
  const ex = extract();
  ex.end(Buffer.from(await res.arrayBuffer()));
  const files = new Map<string, string>();
  for await (const e of ex) {
    const parts: Buffer[] = [];
    for await (const c of e) parts.push(c as Buffer);
    files.set(e.header.name, Buffer.concat(parts).toString("utf8"));
  }
  return files;
}

/** A tar whose first header claims `size` bytes it does not carry (checksum fixed). */
async function lyingTar(name: string, size: number) {
  const t = Buffer.from(await tarOf([[name, "x"]]));
  t.write(size.toString(8).padStart(11, "0") + "\0", 124, "ascii");
  t.write("        ", 148, "ascii");
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += t[i]!;
  t.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, "ascii");
  return t;
}

const snapshot = async () => {
  const db = ctx().tdb.db;
  const [a] = await db.execute<{ n: number }>(sql`select count(*)::int as n from audit_log`);
  const [p] = await db.execute<{ seen: string | null }>(sql`select max(last_seen_at)::text as seen from eb_platforms`);
  const [b] = await db.execute<{ s: string | null }>(
    sql`select string_agg(coalesce(brd_state_code::text, '-'), ',') as s from eb_broadcasts`,
  );
  return { audits: a!.n, seen: p!.seen, states: b!.s };
};

beforeAll(async () => {
  const c = ctx();
  c.services.config.ebResourceCode = OURS;
  // A stand-in SM2 service: its "signature" is the SHA-256 of the data.
  signing = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const b = JSON.parse(body);
      const data = Buffer.from(b.data, "base64").toString("utf8");
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify(
          req.url === "/sign"
            ? { signature: sha(data), certSn: "01" }
            : { valid: b.signature === sha(data) && b.certificate === "CERT" },
        ),
      );
    });
  });
  await new Promise<void>((r) => signing.listen(0, "127.0.0.1", r));
  const signer = { kind: "http", url: `http://127.0.0.1:${(signing.address() as AddressInfo).port}` };
  fake = await new FakeEbPlatform(P1, OURS).start();
  const village = "150402001001";
  for (const [rc, extra] of [
    [P1, {}],
    [SIGNED, { signer, certificate: "CERT" }],
  ] as const) {
    const r = await c.request("POST", "/api/v1/eb-platforms", {
      json: { name: rc, areaCode: "150402000000", url: fake.url, resourceCode: rc, villages: [village], ...extra },
    });
    expect(r.status, await r.clone().text()).toBe(201);
  }
  await c.tdb.db.execute(sql`update eb_platforms set active = false where resource_code = ${SIGNED}`);
  const w = await createIssued(c, { areas: { codes: [village] }, audiences: ["public"], channels: ["eb"] });
  await dispatchWith(
    c,
    new EbChannel({ db: c.tdb.db, resourceCode: OURS, grading: c.services.grading, now: () => c.clock.now }),
  );
  ebmId = String(fake.ebms[0]!.ebm.EBMID);
  await c.tdb.db.execute(sql`update eb_platforms set active = true`);
});
afterAll(async () => {
  await fake.stop();
  await new Promise<void>((r) => signing.close(() => r()));
});

describe("pushes from a platform", () => {
  it("an EBMStateResponse is applied and answered with an EBDResponse (ResultCode 1) relating to it", async () => {
    const e = ebd("EBMStateResponse", state(ebmId, 2));
    const res = await post(await pkg(e));
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-tar");
    const files = await untarResponse(res);
    const data = [...files].find(([n]) => n.startsWith("EBDB_"))![1];
    expect(data).toContain("<EBDType>EBDResponse</EBDType>");
    expect(data).toContain(`<RelatedEBD><EBDID>${e.id}</EBDID></RelatedEBD>`);
    expect(data).toContain("<ResultCode>1</ResultCode>");
    expect(data).toContain(`<DEST><EBRID>${P1}</EBRID></DEST>`);
    const [d] = await ctx().tdb.db.execute<{ status: string }>(
      sql`select status from deliveries where provider_id = ${ebmId}`,
    );
    expect(d!.status).toBe("delivered");
  });

  it("an EBMBrdLog item reporting 3 makes the broadcast played", async () => {
    const log =
      `<EBMBrdLog><Params><RptStartTime>${time()}</RptStartTime><RptEndTime>${time()}</RptEndTime></Params>` +
      `<EBMBrdItem><EBM><EBMID>${ebmId}</EBMID></EBM><BrdStateCode>3</BrdStateCode>` +
      `<BrdStateDesc>播发成功</BrdStateDesc></EBMBrdItem></EBMBrdLog>`;
    expect((await post(await pkg(ebd("EBMBrdLog", log)))).status).toBe(200);
    const [d] = await ctx().tdb.db.execute<{ status: string }>(
      sql`select status from deliveries where provider_id = ${ebmId}`,
    );
    expect(d!.status).toBe("acknowledged");
  });

  it("a ConnectionCheck is a sign of life", async () => {
    const res = await post(
      await pkg(
        ebd("ConnectionCheck", `<ConnectionCheck><RptTime>${time()}</RptTime></ConnectionCheck>`, {
          id: `01${P1}${"0".repeat(16)}`,
        }),
      ),
    );
    expect(res.status).toBe(200);
    const list = await json(await ctx().request("GET", "/api/v1/eb-platforms?area=150402000000"));
    expect(list.items.find((p: any) => p.resourceCode === P1)).toMatchObject({ state: "up" });
  });

  it("with a certificate configured, a package signed correctly is accepted", async () => {
    const e = ebd("ConnectionCheck", `<ConnectionCheck><RptTime>${time()}</RptTime></ConnectionCheck>`, {
      src: SIGNED,
    });
    const res = await post(await pkg(e, signature(e.id, sha(e.xml))));
    expect(res.status, await res.clone().text()).toBe(200);
  });
});

describe("hostile input: a precise 4xx and nothing written", () => {
  const valid = () => ebd("EBMStateResponse", state(ebmId, 4));
  const cases: [string, () => Promise<Response>, number, Record<string, unknown>][] = [
    ["an oversized upload", async () => post(Buffer.alloc(3 * 1024 * 1024, 120)), 413, { code: "payload_too_large" }],
    [
      "a tar bomb of many members",
      async () => post(await tarOf(Array.from({ length: 20 }, (_, i) => [`m${i}.xml`, "<a/>"] as [string, string]))),
      413,
      { ebProblem: "too_many_members", maxMembers: 8 },
    ],
    [
      "a member declaring 100 MB",
      async () => post(await lyingTar("EBDB_1.xml", 100 * 1024 * 1024)),
      413,
      { ebProblem: "member_too_large" },
    ],
    [
      "a member name with ..",
      async () => {
        const e = valid();
        return post(await tarOf([[`../EBDB_${e.id}.xml`, e.xml]]));
      },
      400,
      { ebProblem: "unsafe_member_name" },
    ],
    [
      "an absolute member name",
      async () => {
        const e = valid();
        return post(await tarOf([[`/tmp/EBDB_${e.id}.xml`, e.xml]]));
      },
      400,
      { ebProblem: "unsafe_member_name" },
    ],
    [
      "something that is not a tar",
      async () => post("this is not a tar archive, just text".repeat(40)),
      400,
      { ebProblem: "not_a_tar" },
    ],
    [
      "a tar without the data file",
      async () => post(await tarOf([["readme.txt", "hi"]])),
      400,
      { ebProblem: "no_data_file" },
    ],
    [
      "XML with a DOCTYPE and entities",
      async () => {
        const e = valid();
        return post(
          await pkg({
            id: e.id,
            xml:
              `<?xml version="1.0"?><!DOCTYPE EBD [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>` +
              e.xml.slice(e.xml.indexOf("<EBD>")),
          }),
        );
      },
      400,
      { xmlProblem: "dtd_forbidden" },
    ],
    [
      "deeply nested XML",
      async () => {
        const e = valid();
        return post(
          await pkg({ id: e.id, xml: e.xml.replace("</EBD>", `${"<x>".repeat(5000)}${"</x>".repeat(5000)}</EBD>`) }),
        );
      },
      400,
      { xmlProblem: "too_deep" },
    ],
    [
      "an unknown source EBRID",
      async () => post(await pkg(ebd("EBMStateResponse", state(ebmId, 4), { src: "999999000000000999" }))),
      403,
      { ebProblem: "unknown_source" },
    ],
    [
      "a bad signature when verification is on",
      async () => {
        const e = ebd("EBMStateResponse", state(ebmId, 4), { src: SIGNED });
        return post(await pkg(e, signature(e.id, "forged")));
      },
      403,
      { ebProblem: "bad_signature" },
    ],
    [
      "a missing signature when verification is on",
      async () => {
        const e = ebd("EBMStateResponse", state(ebmId, 4), { src: SIGNED });
        return post(await tarOf([[`EBDB_${e.id}.xml`, e.xml]]));
      },
      403,
      { ebProblem: "signature_missing" },
    ],
    [
      "a state report without its EBMID",
      async () => post(await pkg(ebd("EBMStateResponse", state("", 4)))),
      422,
      { code: "validation_failed" },
    ],
    [
      "a state report for an EBMID never sent to it",
      async () => post(await pkg(ebd("EBMStateResponse", state("150400000000000001202001019999", 4)))),
      404,
      { ebProblem: "unknown_ebmid" },
    ],
    [
      "a body that is not multipart",
      async () => post("<EBD/>", { type: "application/xml" }),
      415,
      { code: "unsupported_media_type" },
    ],
    [
      "a multipart body without the file part",
      async () => post(await pkg(valid()), { part: "upload" }),
      400,
      { ebProblem: "no_file_part" },
    ],
  ];

  it.each(cases)("%s", async (_name, send, status, problem) => {
    const before = await snapshot();
    const res = await send();
    const body = await json(res);
    expect(res.status, JSON.stringify(body)).toBe(status);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(body).toMatchObject(problem);
    expect(await snapshot()).toEqual(before);
  });
});
