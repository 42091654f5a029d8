import { Layout, type PageCtx } from "../layout.js";

export function LoginPage(p: { ctx: PageCtx; csrf: string; next: string; username?: string; error?: string | null }) {
  const { t } = p.ctx;
  return (
    <Layout ctx={p.ctx} title={t("signIn")} error={p.error ?? null}>
      <h1>{t("signIn")}</h1>
      <form method="post" action="/login" class="card" id="login">
        <input type="hidden" name="_csrf" value={p.csrf} />
        <input type="hidden" name="next" value={p.next} />
        <label for="username">{t("username")}</label>
        <input
          id="username"
          name="username"
          type="text"
          autocomplete="username"
          required
          size={32}
          value={p.username ?? ""}
        />
        <label for="password">{t("password")}</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required size={32} />
        <p class="muted">{t("signInPwHint")}</p>
        <button type="submit">{t("signIn")}</button>
      </form>
    </Layout>
  );
}
