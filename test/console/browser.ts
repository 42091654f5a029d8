// A minimal cookie-keeping client over app.request, for console route tests.
import type { TestContext, TestUser } from "../helpers/context.js";
import { passwordFor } from "../helpers/accounts.js";

export class ConsoleClient {
  cookies = new Map<string, string>();
  constructor(private readonly ctx: TestContext) {}

  async req(
    method: string,
    path: string,
    o: { form?: Record<string, string | string[]>; headers?: Record<string, string>; body?: string | FormData } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...o.headers };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    let body: string | FormData | undefined = o.body;
    if (o.form) {
      const p = new URLSearchParams();
      for (const [k, v] of Object.entries(o.form)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
      body = p.toString();
      headers["content-type"] = "application/x-www-form-urlencoded";
    }
    const res = await this.ctx.app.request(path, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
      redirect: "manual",
    });
    for (const sc of res.headers.getSetCookie()) {
      const [pair, ...attrs] = sc.split(";");
      const [k, ...v] = pair!.split("=");
      const expired = attrs.some((a) => /max-age=0/i.test(a.trim()));
      if (expired) this.cookies.delete(k!.trim());
      else this.cookies.set(k!.trim(), v.join("="));
    }
    return res;
  }

  /** Signs in through the real form with the user's password (set on first use); returns
   * the session's CSRF token (read from a page). */
  async signIn(user: TestUser): Promise<string> {
    const password = await passwordFor(this.ctx, user);
    const login = await this.req("GET", "/login");
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await login.text())![1]!;
    const form = { _csrf: csrf, username: user.username!, password, next: "/warnings" };
    const res = await this.req("POST", "/login", { form });
    if (res.status !== 303) throw new Error(`sign-in failed: ${res.status}`);
    return this.csrf();
  }

  async csrf(): Promise<string> {
    const page = await (await this.req("GET", "/compose")).text();
    return /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
  }
}
