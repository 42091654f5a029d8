// A fake county emergency-broadcast platform on loopback, written from the public format
// (shared/EB-PLATFORM.md) rather than from our code: it untars what it is sent, checks
// the fields a receiver checks, answers with EBD packages, and plays out a scripted
// BrdStateCode sequence per EBMID. Vendor dialects are settable, and it refuses the
// other dialect's element names, as a strict receiver would.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extract, pack } from "tar-stream";
import { XMLParser } from "fast-xml-parser";

export interface Dialect {
  sendTime: "SendTime" | "SentTime";
  coverage: "CoverageRate" | "CoveragePercent";
  languageCodes: string[];
  related: "RelatedEBM" | "RelatedInfo";
}

export interface ReceivedEbm {
  ebdId: string;
  ebd: Record<string, any>;
  ebm: Record<string, any>;
  members: string[];
  signature: string;
}

const DESC = ["未处理", "等待播发", "播发中", "播发成功", "播发失败", "播发取消"];
const TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const parser = new XMLParser({ parseTagValue: false, ignoreDeclaration: true, processEntities: false });

async function untar(buf: Buffer): Promise<Map<string, string>> {
  const ex = extract();
  ex.end(buf);
  const files = new Map<string, string>();
  for await (const e of ex) {
    const parts: Buffer[] = [];
    for await (const c of e) parts.push(c as Buffer);
    files.set(e.header.name, Buffer.concat(parts).toString("utf8"));
  }
  return files;
}

export async function tarOf(members: [string, string][]): Promise<Buffer> {
  const p = pack();
  for (const [name, text] of members) p.entry({ name }, Buffer.from(text, "utf8"));
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const time = (d = new Date()) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace("T", " ");

export class FakeEbPlatform {
  server: Server | null = null;
  url = "";
  readonly ebms: ReceivedEbm[] = [];
  readonly stateRequests: string[] = [];
  readonly heartbeats: string[] = [];
  readonly problems: string[] = [];
  /** BrdStateCodes to report per EBMID, one per state request; the last one repeats. */
  script = new Map<string, number[]>();
  defaultScript = [2, 3];
  /** ResultCode to answer the next EBMs with (then 1). */
  refuseNext: { code: number; desc: string }[] = [];
  down = false;
  private seq = 0;

  constructor(
    readonly ebrid: string,
    readonly ours: string,
    public dialect: Dialect = {
      sendTime: "SendTime",
      coverage: "CoverageRate",
      languageCodes: ["chi"],
      related: "RelatedEBM",
    },
  ) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        this.handle(req.headers["content-type"] ?? "", Buffer.concat(chunks))
          .then((body) => {
            res.writeHead(200, { "content-type": "application/x-tar" });
            res.end(body);
          })
          .catch((e: Error) => {
            res.writeHead(e.message === "down" ? 503 : 400);
            res.end(e.message);
          });
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/access`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private async answer(related: string, payloadXml: string, type: string): Promise<Buffer> {
    const id = `10${this.ebrid}${String(++this.seq).padStart(16, "0")}`;
    const data =
      `<?xml version="1.0" encoding="utf-8"?><EBD><EBDVersion>1.0</EBDVersion>` +
      `<EBDID>${id}</EBDID><EBDType>${type}</EBDType>` +
      `<SRC><EBRID>${this.ebrid}</EBRID></SRC><DEST><EBRID>${this.ours}</EBRID></DEST><EBDTime>${time()}</EBDTime>` +
      `<RelatedEBD><EBDID>${related}</EBDID></RelatedEBD>${payloadXml}</EBD>`;
    return tarOf([
      [`EBDB_${id}.xml`, data],
      [`EBDS_EBDB_${id}.xml`, "<Signature/>"],
    ]);
  }

  private respond = (related: string, code: number, desc: string) =>
    this.answer(
      related,
      `<EBDResponse><ResultCode>${code}</ResultCode><ResultDesc>${desc}</ResultDesc></EBDResponse>`,
      "EBDResponse",
    );

  private async handle(contentType: string, body: Buffer): Promise<Buffer> {
    if (this.down) throw new Error("down");
    const form = await new Request("http://fake/", {
      method: "POST",
      headers: { "content-type": contentType },
      body,
    }).formData();
    const file = form.get("file");
    if (!(file instanceof File) || !/^EBDT_\d{36}\.tar$/.test(file.name))
      throw new Error("multipart part 'file' named EBDT_<EBDID>.tar is required");
    const files = await untar(Buffer.from(await file.arrayBuffer()));
    const dataName = [...files.keys()].find((n) => /^EBDB_\d{36}\.xml$/.test(n));
    if (!dataName) throw new Error("no EBDB_<EBDID>.xml");
    const ebdId = dataName.slice(5, -4);
    const signature = files.get(`EBDS_EBDB_${ebdId}.xml`);
    if (signature === undefined) return this.respond(ebdId, 4, "signature file missing");
    const data = files.get(dataName)!;
    if (!data.startsWith('<?xml version="1.0" encoding="utf-8"?>')) return this.respond(ebdId, 2, "XML declaration");
    const ebd = parser.parse(data).EBD as Record<string, any>;
    const missing: string[] = [];
    const check = (ok: boolean, what: string) => {
      if (!ok) missing.push(what);
    };
    check(ebd?.EBDVersion === "1.0", "EBDVersion");
    check(ebd?.EBDID === ebdId, "EBDID");
    check(ebd?.SRC?.EBRID === this.ours, "SRC/EBRID");
    check(ebd?.DEST?.EBRID === this.ebrid, "DEST/EBRID");
    check(TIME.test(ebd?.EBDTime ?? ""), "EBDTime");
    const type = ebd?.EBDType as string;
    check(ebdId.startsWith(type === "ConnectionCheck" ? `01${this.ours}` : `10${this.ours}`), "EBDID type/source");
    if (type === "EBM") this.checkEbm(ebd.EBM, check);
    if (type === "EBMStateRequest")
      check(/^\d{30}$/.test(ebd.EBMStateRequest?.EBM?.EBMID ?? ""), "EBMStateRequest/EBM/EBMID");
    if (type === "ConnectionCheck") check(TIME.test(ebd.ConnectionCheck?.RptTime ?? ""), "ConnectionCheck/RptTime");
    if (missing.length > 0) {
      this.problems.push(...missing);
      return this.respond(ebdId, 3, `missing or invalid: ${missing.join(", ")}`);
    }
    if (type === "ConnectionCheck") {
      this.heartbeats.push(ebdId);
      return this.respond(ebdId, 1, "ok");
    }
    if (type === "EBM") {
      this.ebms.push({ ebdId, ebd, ebm: ebd.EBM, members: [...files.keys()], signature });
      const refuse = this.refuseNext.shift();
      return refuse ? this.respond(ebdId, refuse.code, refuse.desc) : this.respond(ebdId, 1, "accepted");
    }
    if (type === "EBMStateRequest") {
      const id = String(ebd.EBMStateRequest.EBM.EBMID);
      this.stateRequests.push(id);
      const codes = this.script.get(id) ?? [...this.defaultScript];
      const code = codes.length > 1 ? codes.shift()! : codes[0]!;
      this.script.set(id, codes);
      return this.answer(ebdId, this.stateXml(id, code), "EBMStateResponse");
    }
    return this.respond(ebdId, 5, `EBDType ${type} not supported`);
  }

  stateXml(ebmId: string, code: number): string {
    const known = this.ebms.find((e) => String(e.ebm.EBMID) === ebmId);
    const area = String(known?.ebm.MsgContent?.AreaCode ?? "");
    const el = this.dialect.coverage;
    const cov = el === "CoveragePercent" ? "87.5" : "0.875";
    return (
      `<EBMStateResponse><RptTime>${time()}</RptTime><EBM><EBMID>${ebmId}</EBMID></EBM>` +
      `<BrdStateCode>${code}</BrdStateCode><BrdStateDesc>${DESC[code]}</BrdStateDesc>` +
      `<Coverage><${el}>${cov}</${el}><AreaCode>${area}</AreaCode><ResBrdStat>12,1,0</ResBrdStat></Coverage>` +
      `<ResBrdInfo><ResBrdItem><EBRAS><EBRID>${this.ebrid.slice(0, 12)}000001</EBRID></EBRAS>` +
      `<EBRBS><RptTime>${time()}</RptTime><BrdSysType>1</BrdSysType><StartTime>${time()}</StartTime>` +
      `<EndTime>${time()}</EndTime><FileURL>http://127.0.0.1/rec.mp3</FileURL>` +
      `<BrdStateCode>${code}</BrdStateCode><BrdStateDesc>终端</BrdStateDesc></EBRBS>` +
      `</ResBrdItem></ResBrdInfo></EBMStateResponse>`
    );
  }

  private checkEbm(ebm: Record<string, any> | undefined, check: (ok: boolean, what: string) => void) {
    const b = ebm?.MsgBasicInfo ?? {};
    const other = this.dialect.sendTime === "SendTime" ? "SentTime" : "SendTime";
    check(ebm?.EBMVersion === "1", "EBMVersion");
    check(/^\d{30}$/.test(ebm?.EBMID ?? "") && String(ebm?.EBMID).startsWith(this.ours), "EBMID");
    check(["1", "2"].includes(b.MsgType), "MsgType");
    check(!!b.SenderName && !!b.SenderCode, "SenderName/SenderCode");
    check(TIME.test(b[this.dialect.sendTime] ?? "") && b[other] === undefined, this.dialect.sendTime);
    if (b.MsgType === "2") {
      const rel = ebm?.[this.dialect.related]?.EBMID;
      check(
        this.ebms.some((e) => String(e.ebm.EBMID) === String(rel)),
        `${this.dialect.related}/EBMID of a broadcast we hold`,
      );
      return;
    }
    check(/^\w{5}$/.test(b.EventType ?? ""), "EventType");
    check(["1", "2", "3", "4"].includes(b.Severity), "Severity");
    check(TIME.test(b.StartTime ?? "") && TIME.test(b.EndTime ?? "") && b.StartTime < b.EndTime, "StartTime/EndTime");
    const c = ebm?.MsgContent ?? {};
    check(this.dialect.languageCodes.includes(c.LanguageCode), "LanguageCode");
    check(!!c.MsgTitle && !!c.MsgDesc, "MsgTitle/MsgDesc");
    check(
      String(c.AreaCode ?? "")
        .split(",")
        .every((a) => /^\d{12}$/.test(a)),
      "AreaCode",
    );
  }
}
