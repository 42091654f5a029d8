// A send that hangs (a provider connection stalled) must not hold the channel: the loop
// claims again once most of its batch has answered, so a warning issued meanwhile goes out
// while the slow send is still waiting for its answer.
import { describe, expect, it, vi } from "vitest";
import { useContext } from "../helpers/context.js";
import { createIssued } from "../helpers/factories.js";
import { addPerson, deliveriesOf } from "../helpers/people.js";
import { LoopbackChannel } from "../helpers/loopback-channel.js";
import { startRunner } from "../helpers/dispatch.js";

const ctx = useContext();
const VA = "150403001001";
const VB = "150403001002";
const SLOW = "+8613900000999";

describe("a slow send", () => {
  it("does not hold the channel: a warning issued while it hangs is sent", async () => {
    const c = ctx();
    await addPerson(c.tdb.db, { area: VA, phone: SLOW });
    for (let i = 0; i < 3; i++) await addPerson(c.tdb.db, { area: VA });
    await addPerson(c.tdb.db, { area: VB });
    const ch = new LoopbackChannel("sms");
    // Answers only when released, whatever the deadline: a provider that takes its time.
    ch.behaviourFor.set(SLOW, "late-sent");
    const issue = (village: string) =>
      createIssued(c, { areas: { codes: [village] }, channels: ["sms"], level: "red", audiences: ["public"] });
    const sent = async (id: string) => (await deliveriesOf(c.tdb.db, id)).filter((d) => d.status === "sent").length;
    let aId = "";
    const running = await startRunner(c, [ch], { pollMs: 50 });
    try {
      const a = await issue(VA);
      aId = a.id;
      // A's other three are sent; its slow one is still waiting for an answer.
      await vi.waitUntil(async () => (await sent(a.id)) === 3, { timeout: 20_000, interval: 20 });
      expect(ch.messages.some((m) => m.target.address === SLOW)).toBe(true);

      const b = await issue(VB);
      await vi.waitUntil(async () => (await sent(b.id)) === 1, { timeout: 20_000, interval: 20 });
      // Still hanging when B went out: B did not wait for it.
      expect(await sent(a.id)).toBe(3);
    } finally {
      ch.releaseLateSends();
      await running.stop();
    }
    // Once answered, its answer is what the ledger records (the runner's stop waited for it).
    const [slow] = (await deliveriesOf(c.tdb.db, aId)).filter((d) => d.address === SLOW);
    expect(slow?.status).toBe("sent");
  }, 60_000);
});
