import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useContext } from "../helpers/context.js";
import { json } from "../helpers/factories.js";
import { sha256Hex } from "../../src/lib/crypto.js";

const ctx = useContext();
const V1 = "150402001001";

describe("devices", () => {
  it("registers a loudspeaker: the token is shown once and stored only as a hash", async () => {
    const c = ctx();
    const r = await c.request("POST", "/api/v1/devices", {
      key: c.users.issuer.key,
      json: { kind: "loudspeaker", areaCode: V1, name: "一西街社区大喇叭", reach: 800 },
    });
    expect(r.status).toBe(201);
    const d = await json(r);
    expect(d.token).toMatch(/^wcd_/);
    const [row] = await c.tdb.db.execute<{ token_hash: string }>(
      sql`select token_hash from devices where id = ${d.id}`,
    );
    expect(row!.token_hash).toBe(await sha256Hex(d.token));
    expect(row!.token_hash).not.toContain(d.token);
    const list = await json(await c.request("GET", "/api/v1/devices?area=150402000000"));
    const listed = list.items.find((x: { id: string }) => x.id === d.id);
    expect(listed).toMatchObject({ kind: "loudspeaker", online: false, lastSeen: null, reach: 800 });
    expect(listed.token).toBeUndefined();
  });

  it.each([
    [{ kind: "siren", areaCode: V1, name: "x" }],
    [{ kind: "display", areaCode: "150402000000", name: "x" }],
    [{ kind: "display", areaCode: V1, name: "" }],
    [{ kind: "display", areaCode: V1, name: "x", reach: -1 }],
  ])("refuses %j with 422", async (body) => {
    const c = ctx();
    expect((await c.request("POST", "/api/v1/devices", { key: c.users.issuer.key, json: body })).status).toBe(422);
  });

  it("security: viewer cannot register; a county key cannot register or list elsewhere", async () => {
    const c = ctx();
    expect(
      (
        await c.request("POST", "/api/v1/devices", {
          key: c.users.viewer.key,
          json: { kind: "display", areaCode: V1, name: "x" },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await c.request("POST", "/api/v1/devices", {
          key: c.users.songshanIssuer.key,
          json: { kind: "display", areaCode: V1, name: "x" },
        })
      ).status,
    ).toBe(403);
    expect(
      (await c.request("GET", "/api/v1/devices?area=150402000000", { key: c.users.songshanIssuer.key })).status,
    ).toBe(403);
  });
});
