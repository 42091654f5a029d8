import { Layout, type PageCtx } from "../layout.js";

export function LoginPage(p: { ctx: PageCtx; csrf: string; next: string; error?: string | null }) {
  const { t } = p.ctx;
  return (
    <Layout ctx={p.ctx} title={t("signIn")} error={p.error ?? null}>
      <h1>{t("signIn")}</h1>
      <form method="post" action="/login" class="card" id="login">
        <input type="hidden" name="_csrf" value={p.csrf} />
        <input type="hidden" name="next" value={p.next} />
        <label for="key">{t("apiKey")}</label>
        <input id="key" name="key" type="password" autocomplete="off" required size={48} />
        <p class="muted">{t("signInHint")}</p>
        <button type="submit">{t("signIn")}</button>
      </form>
    </Layout>
  );
}
