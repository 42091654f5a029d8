// The accounts pages: an admin manages users and keys and reads the audit trail in the
// console, through the API's rules.
import { describe, expect, it } from "vitest";
import { useContext } from "../helpers/context.js";
import { json } from "../helpers/factories.js";
import { createAgency, HYDROLOGY } from "../helpers/accounts.js";
import { ConsoleClient } from "./browser.js";

const ctx = useContext();

describe("accounts pages", () => {
  it("an admin creates a user, gives it a key (shown once), revokes it and reads the trail", async () => {
    const c = ctx();
    const agency = await createAgency(c, HYDROLOGY);
    const b = new ConsoleClient(c);
    const csrf = await b.signIn(c.users.admin);
    const list = await b.req("GET", "/admin/users");
    expect(list.status).toBe(200);
    expect(await list.text()).toContain(agency.name);

    const bad = await b.req("POST", "/admin/users", {
      form: {
        _csrf: csrf,
        username: "li.si",
        name: "李四",
        role: "issuer",
        areaScope: "150402000000",
        agency: agency.code,
        password: "short",
      },
    });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("at least 10 characters");

    const made = await b.req("POST", "/admin/users", {
      form: {
        _csrf: csrf,
        username: "li.si",
        name: "李四",
        role: "issuer",
        areaScope: "150402000000",
        agency: agency.code,
      },
    });
    expect(made.status).toBe(303);
    const userPath = made.headers.get("location")!;
    const id = userPath.split("/").at(-1)!;

    const keyPage = await b.req("POST", `${userPath}/keys`, { form: { _csrf: csrf, label: "水情脚本" } });
    expect(keyPage.status).toBe(201);
    const key = /id="new-key">[^<]*<code>(wck_[^<]+)<\/code>/.exec(await keyPage.text())![1]!;
    expect((await c.request("GET", "/api/v1/me", { key })).status).toBe(200);
    const again = await (await b.req("GET", userPath)).text();
    expect(again).not.toContain(key);
    expect(again).toContain(key.slice(0, 12));

    const keyId = /<tr data-id="([0-9a-f-]{36})"><td><code>/.exec(again)![1]!;
    expect((await b.req("POST", `${userPath}/keys/${keyId}/revoke`, { form: { _csrf: csrf } })).status).toBe(303);
    expect((await c.request("GET", "/api/v1/me", { key })).status).toBe(401);

    const edit = await b.req("POST", userPath, {
      form: { _csrf: csrf, name: "李四", role: "approver", areaScope: "150402000000", agency: agency.code },
    });
    expect(edit.status).toBe(200);
    expect(await json(await c.request("GET", `/api/v1/users/${id}`))).toMatchObject({
      role: "approver",
      active: false,
    });

    const audit = await (await b.req("GET", `/admin/audit?user=${id}`)).text();
    for (const action of ["user.create", "api_key.create", "api_key.revoke", "user.disable"])
      expect(audit).toContain(action);
    const onlyKeys = await (await b.req("GET", `/admin/audit?user=${id}&action=api_key.*`)).text();
    expect(onlyKeys).not.toContain("user.create");
  });

  it("the accounts pages are an admin's: others get the API's 403 and no menu entry", async () => {
    const c = ctx();
    const b = new ConsoleClient(c);
    await b.signIn(c.users.issuer);
    expect(await (await b.req("GET", "/warnings")).text()).not.toContain("/admin/users");
    expect((await b.req("GET", "/admin/users")).status).toBe(403);
    expect((await b.req("GET", "/admin/audit")).status).toBe(403);
  });
});
