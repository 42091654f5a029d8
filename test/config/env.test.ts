// The environment is checked whole at start-up: a setting that would lose data quietly
// (a callback address nobody outside this machine can reach) stops the start instead.
import { describe, expect, it } from "vitest";
import { parseEnv, webhookListener } from "../../src/config/env.js";

describe("the environment", () => {
  it("a webhook listener behind a public address needs the address providers reach it at", () => {
    expect(() => parseEnv({ WEBHOOK_PORT: "8081", PUBLIC_URL: "https://warncast.example.gov.cn" })).toThrow(
      /WEBHOOK_PUBLIC_URL: required with WEBHOOK_PORT and PUBLIC_URL/,
    );
    expect(() => parseEnv({ WEBHOOK_PUBLIC_URL: "https://hooks.example.gov.cn" })).toThrow(
      /WEBHOOK_PORT: required with WEBHOOK_PUBLIC_URL/,
    );
    expect(() => parseEnv({ WEBHOOK_PORT: "70000" })).toThrow(/WEBHOOK_PORT/);
    expect(
      parseEnv({
        WEBHOOK_PORT: "8081",
        PUBLIC_URL: "https://warncast.example.gov.cn",
        WEBHOOK_PUBLIC_URL: "https://hooks.example.gov.cn",
      }),
    ).toMatchObject({ WEBHOOK_PORT: 8081, WEBHOOK_PUBLIC_URL: "https://hooks.example.gov.cn" });
    // On this machine alone (no PUBLIC_URL), the loopback address is the default.
    expect(parseEnv({ WEBHOOK_PORT: "0" })).toMatchObject({ WEBHOOK_PORT: 0 });
    expect(parseEnv({}).WEBHOOK_PORT).toBeUndefined();
    expect(() => parseEnv({ WEBHOOK_PORT: "off", WEBHOOK_PUBLIC_URL: "https://hooks.example.gov.cn" })).toThrow(
      /WEBHOOK_PORT: required with WEBHOOK_PUBLIC_URL/,
    );
  });

  it("webhooks get a listener of their own on this machine by default; behind PUBLIC_URL only when told where", () => {
    const at = (vars: Record<string, string>) => webhookListener(parseEnv(vars));
    // A free port, kept across restarts (node/webhook-listener.ts).
    expect(at({})).toEqual({ port: null, publicUrl: null, chosen: false });
    expect(at({ PORT: "0" })).toEqual({ port: null, publicUrl: null, chosen: false });
    expect(at({ WEBHOOK_PORT: "off" })).toBeNull();
    expect(at({ WEBHOOK_PORT: "7000" })).toEqual({ port: 7000, publicUrl: null, chosen: true });
    expect(at({ WEBHOOK_PORT: "0" })).toEqual({ port: 0, publicUrl: null, chosen: true });
    expect(at({ PUBLIC_URL: "https://warncast.example.gov.cn" })).toBeNull();
    expect(
      at({
        PUBLIC_URL: "https://warncast.example.gov.cn",
        WEBHOOK_PORT: "8081",
        WEBHOOK_PUBLIC_URL: "https://hooks.example.gov.cn",
      }),
    ).toEqual({ port: 8081, publicUrl: "https://hooks.example.gov.cn", chosen: true });
  });
});
