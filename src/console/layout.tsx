// The page frame. All text goes through JSX, which escapes it; nothing here ever
// inserts raw HTML, so a headline containing <script> is shown as text.
import type { Child } from "hono/jsx";
import { word, type T, type Lang } from "./i18n.js";
import { may, type Session } from "./session.js";

export interface PageCtx {
  t: T;
  lang: Lang;
  session: Session | null;
  path: string;
  /** This page in the other language (its query kept). */
  otherLang: string;
}

export function Layout(p: {
  ctx: PageCtx;
  title: string;
  children: Child;
  scripts?: string[];
  flash?: string | null;
  error?: string | null;
}) {
  const { t, session, lang, path } = p.ctx;
  const nav: [string, string][] = [
    ["/warnings", t("warnings")],
    ...(may(session, "warning.write") ? [["/compose", t("compose")] as [string, string]] : []),
    ["/approvals", t("approvals")],
    ["/devices", t("devices")],
    ["/people", t("people")],
    ...(may(session, "accounts.manage") ? [["/admin/users", t("admin")] as [string, string]] : []),
  ];
  return (
    <html lang={lang === "en" ? "en" : "zh-CN"}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${p.title} · warncast`}</title>
        <link rel="stylesheet" href="/assets/console.css" />
        <link rel="icon" href="data:," />
        {(p.scripts ?? []).map((s) => (
          <script src={`/assets/${s}`} defer></script>
        ))}
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/warnings">
            warncast · {t("app")}
          </a>
          {session && (
            <nav>
              {nav.map(([href, label]) => (
                <a href={href} class={path.startsWith(href) ? "on" : ""}>
                  {label}
                </a>
              ))}
            </nav>
          )}
          <span class="spacer"></span>
          <a href={p.ctx.otherLang} class="lang">
            {lang === "en" ? "中文" : "English"}
          </a>
          {session && (
            <form method="post" action="/logout" class="inline">
              <input type="hidden" name="_csrf" value={session.csrf} />
              <span class="who">
                {session.name} · {word(t, "role", session.role)}{" "}
                <small class="code">
                  {session.agency ? `${session.agency} ` : ""}
                  {session.scope}
                </small>
              </span>
              <button type="submit">{t("signOut")}</button>
            </form>
          )}
        </header>
        <main>
          {p.flash && <p class="flash">{p.flash}</p>}
          {p.error && (
            <p class="error" role="alert">
              {p.error}
            </p>
          )}
          {p.children}
        </main>
      </body>
    </html>
  );
}

export function Csrf(p: { session: Session }) {
  return <input type="hidden" name="_csrf" value={p.session.csrf} />;
}
