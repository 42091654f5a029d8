// The failed deliveries behind one line of the board's failure reasons.
import { Layout, type PageCtx } from "../layout.js";
import { word } from "../i18n.js";
import { beijing } from "../format.js";
import type { DeliveryDto } from "../types.js";

export function FailedPage(p: { ctx: PageCtx; warningId: string; items: DeliveryDto[] }) {
  const { t } = p.ctx;
  return (
    <Layout ctx={p.ctx} title={t("failureReasons")}>
      <h1>{t("failureReasons")}</h1>
      <p>
        <a href={`/warnings/${p.warningId}`}>{t("board")}</a>
      </p>
      <table id="failed">
        <thead>
          <tr>
            <th>{t("channels")}</th>
            <th>{t("village")}</th>
            <th>
              {t("phone")}/{t("email")}
            </th>
            <th>{t("reason")}</th>
            <th>{t("at")}</th>
          </tr>
        </thead>
        <tbody>
          {p.items.map((d) => (
            <tr>
              <td>{word(t, "ch", d.channel)}</td>
              <td>
                <small class="code">{d.villageCode}</small>
              </td>
              <td>{d.address ?? "—"}</td>
              <td>
                {word(t, "err", d.errorCode ?? "unknown")} <small class="code">{d.error ?? ""}</small>
              </td>
              <td>{beijing(d.failedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Layout>
  );
}
