// Accounts (admin): users of the admin's scope, one user's settings and keys, the audit
// trail. Typed by the API's own response shapes.
import { Layout, Csrf, type PageCtx } from "../layout.js";
import type { Session } from "../session.js";
import type { keyDto, userDto } from "../../routes/users/dto.js";
import type { agencyDto } from "../../routes/agencies/dto.js";
import type { AuditRow } from "../../db/queries/audit-read.js";
import { USER_ROLES } from "../../domain/vocabulary.js";

export type UserView = ReturnType<typeof userDto>;
export type KeyView = ReturnType<typeof keyDto>;
export type AgencyView = ReturnType<typeof agencyDto>;
export type AuditView = Omit<AuditRow, "at"> & { at: string };

const when = (iso: string | null, never: string) =>
  iso ? new Date(iso).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai" }) : never;

function AgencySelect(p: { agencies: AgencyView[]; value: string | null; none: string }) {
  return (
    <select name="agency" id="agency">
      <option value="" selected={!p.value}>
        {p.none}
      </option>
      {p.agencies.map((a) => (
        <option value={a.code} selected={a.code === p.value}>
          {a.name} ({a.code})
        </option>
      ))}
    </select>
  );
}

function RoleSelect(p: { value: string }) {
  return (
    <select name="role" id="role">
      {USER_ROLES.map((r) => (
        <option value={r} selected={r === p.value}>
          {r}
        </option>
      ))}
    </select>
  );
}

export function UsersPage(p: {
  ctx: PageCtx;
  session: Session;
  users: UserView[];
  agencies: AgencyView[];
  error?: string | null;
}) {
  const { t } = p.ctx;
  const agencyName = new Map(p.agencies.map((a) => [a.code, a.name]));
  return (
    <Layout ctx={p.ctx} title={t("users")} error={p.error ?? null}>
      <h1>{t("users")}</h1>
      <p>
        <a href="/admin/audit">{t("audit")}</a>
      </p>
      <table id="users">
        <thead>
          <tr>
            <th>{t("username")}</th>
            <th>{t("name")}</th>
            <th>{t("role")}</th>
            <th>{t("scope")}</th>
            <th>{t("agency")}</th>
            <th>{t("status")}</th>
          </tr>
        </thead>
        <tbody>
          {p.users.map((u) => (
            <tr data-id={u.id}>
              <td>
                <a href={`/admin/users/${u.id}`}>{u.username}</a>
              </td>
              <td>{u.name}</td>
              <td>{u.role}</td>
              <td>{u.areaScope}</td>
              <td>{u.agency ? (agencyName.get(u.agency) ?? u.agency) : "—"}</td>
              <td>{u.active ? t("active") : t("inactive")}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>{t("newUser")}</h2>
      <form method="post" action="/admin/users" class="card" id="new-user">
        <Csrf session={p.session} />
        <label for="username">{t("username")}</label>
        <input id="username" name="username" required />
        <label for="name">{t("name")}</label>
        <input id="name" name="name" required />
        <label for="role">{t("role")}</label>
        <RoleSelect value="issuer" />
        <label for="areaScope">{t("scope")}</label>
        <input id="areaScope" name="areaScope" required pattern="\d{12}" value={p.session.scope} />
        <label for="agency">{t("agency")}</label>
        <AgencySelect agencies={p.agencies} value={null} none={t("none")} />
        <label for="password">{t("password")}</label>
        <input id="password" name="password" type="password" autocomplete="new-password" />
        <button type="submit">{t("save")}</button>
      </form>
      <h2>{t("agencies")}</h2>
      <table id="agencies">
        <thead>
          <tr>
            <th>{t("agency")}</th>
            <th>{t("signature")}</th>
            <th>{t("senderId")}</th>
            <th>{t("scope")}</th>
            <th>{t("types")}</th>
          </tr>
        </thead>
        <tbody>
          {p.agencies.map((a) => (
            <tr>
              <td>
                {a.name} ({a.code})
              </td>
              <td>{a.smsSignature}</td>
              <td>{a.senderId}</td>
              <td>{a.areaScope}</td>
              <td>{a.types.join(", ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Layout>
  );
}

export function UserPage(p: {
  ctx: PageCtx;
  session: Session;
  user: UserView & { keys: KeyView[] };
  agencies: AgencyView[];
  newKey?: string | null;
  flash?: string | null;
  error?: string | null;
}) {
  const { t } = p.ctx;
  const u = p.user;
  return (
    <Layout ctx={p.ctx} title={u.username} flash={p.flash ?? null} error={p.error ?? null}>
      <h1>
        {u.name} <span class="muted">{u.username}</span>
      </h1>
      <p>
        <a href="/admin/users">{t("users")}</a> · <a href={`/admin/audit?user=${u.id}`}>{t("audit")}</a>
      </p>
      <form method="post" action={`/admin/users/${u.id}`} class="card" id="edit-user">
        <Csrf session={p.session} />
        <label for="name">{t("name")}</label>
        <input id="name" name="name" value={u.name} required />
        <label for="role">{t("role")}</label>
        <RoleSelect value={u.role} />
        <label for="areaScope">{t("scope")}</label>
        <input id="areaScope" name="areaScope" value={u.areaScope} required pattern="\d{12}" />
        <label for="agency">{t("agency")}</label>
        <AgencySelect agencies={p.agencies} value={u.agency} none={t("none")} />
        <label>
          <input type="checkbox" name="active" value="1" checked={u.active} /> {t("active")}
        </label>
        <label for="password">{t("newPassword")}</label>
        <input id="password" name="password" type="password" autocomplete="new-password" />
        <button type="submit">{t("save")}</button>
      </form>
      <h2>{t("keys")}</h2>
      {p.newKey && (
        <p class="flash" id="new-key">
          {t("keyOnce")} <code>{p.newKey}</code>
        </p>
      )}
      <table id="keys">
        <thead>
          <tr>
            <th>{t("prefix")}</th>
            <th>{t("label")}</th>
            <th>{t("createdAt")}</th>
            <th>{t("lastUsed")}</th>
            <th>{t("status")}</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {u.keys.map((k) => (
            <tr data-id={k.id}>
              <td>
                <code>{k.prefix}</code>
              </td>
              <td>{k.label}</td>
              <td>{when(k.createdAt, t("never"))}</td>
              <td>{when(k.lastUsedAt, t("never"))}</td>
              <td>{k.revokedAt ? t("revoked") : t("active")}</td>
              <td>
                {!k.revokedAt && (
                  <form method="post" action={`/admin/users/${u.id}/keys/${k.id}/revoke`} class="inline">
                    <Csrf session={p.session} />
                    <button type="submit">{t("revoke")}</button>
                  </form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form method="post" action={`/admin/users/${u.id}/keys`} class="card" id="new-key-form">
        <Csrf session={p.session} />
        <label for="label">{t("label")}</label>
        <input id="label" name="label" required maxlength={60} />
        <button type="submit">{t("newKey")}</button>
      </form>
    </Layout>
  );
}

export function AuditPage(p: {
  ctx: PageCtx;
  items: AuditView[];
  filters: Record<string, string>;
  error?: string | null;
}) {
  const { t } = p.ctx;
  const f = p.filters;
  return (
    <Layout ctx={p.ctx} title={t("audit")} error={p.error ?? null}>
      <h1>{t("audit")}</h1>
      <form method="get" action="/admin/audit" class="card" id="audit-filter">
        {t("actor")} <input name="user" value={f.user ?? ""} size={36} /> {t("action")}{" "}
        <input name="action" value={f.action ?? ""} placeholder="user.*" />
        {t("from")} <input type="date" name="from" value={f.from ?? ""} /> {t("to")}{" "}
        <input type="date" name="to" value={f.to ?? ""} />
        <button type="submit">{t("filter")}</button>
      </form>
      <table id="audit">
        <thead>
          <tr>
            <th>{t("at")}</th>
            <th>{t("actor")}</th>
            <th>{t("action")}</th>
            <th>{t("subject")}</th>
          </tr>
        </thead>
        <tbody>
          {p.items.map((r) => (
            <tr>
              <td>{when(r.at, "")}</td>
              <td>{r.actorUsername ?? r.actor}</td>
              <td>{r.action}</td>
              <td>
                {r.subjectType} {r.subjectId}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Layout>
  );
}
