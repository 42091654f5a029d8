import { levelName, typeName } from "../i18n.js";
import { Layout, Csrf, type PageCtx } from "../layout.js";
import type { Session } from "../session.js";
import type { Grading, Policy } from "../../config/grading.js";
import { AUDIENCES, CHANNELS, LEVELS, WARNING_TYPES } from "../../domain/vocabulary.js";

export interface ComposeValues {
  type: string;
  level: string;
  headline: string;
  description: string;
  instruction: string;
  areas: { code: string; label: string; population: number }[];
  audiences: string[];
  channels: string[];
  onset: string;
  expires: string;
  sendAt: string;
  from: string;
  channelsTouched: boolean;
}

export type FieldErrors = Record<string, string[]>;

const FieldError = (p: { errors: FieldErrors; field: string }) => (
  <>
    {(p.errors[p.field] ?? []).map((m) => (
      <p class="field-error" data-field={p.field}>
        {m}
      </p>
    ))}
  </>
);

/** 24-hour Beijing time typed as text: a datetime-local shows the browser's locale (a
 * 12-hour mm/dd/yyyy clock in an English browser) and hides the +08:00 it is taken in. */
function TimeInput(p: { name: string; value: string; t: PageCtx["t"] }) {
  return (
    <>
      <input
        id={p.name}
        name={p.name}
        value={p.value.replace("T", " ")}
        inputmode="numeric"
        size={16}
        maxlength={19}
        pattern="\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?"
        placeholder="2026-05-03 14:30"
      />{" "}
      <small class="muted">{p.t("timeHint")}</small>
    </>
  );
}

export function ComposePage(p: {
  ctx: PageCtx;
  session: Session;
  grading: Grading;
  policy: Policy;
  values: ComposeValues;
  errors: FieldErrors;
  error?: string | null;
}) {
  const { t } = p.ctx;
  const v = p.values;
  const levels = Object.fromEntries(WARNING_TYPES.map((ty) => [ty, p.grading.types[ty].allowedLevels]));
  const general = p.errors[""] ?? [];
  return (
    <Layout ctx={p.ctx} title={t("compose")} scripts={["compose.js"]} error={p.error ?? null}>
      <h1>{v.from ? t("update") : t("compose")}</h1>
      {general.length > 0 && (
        <div class="error" role="alert">
          {t("fixErrors")} {general.join("; ")}
        </div>
      )}
      <div class="grid2">
        <form
          method="post"
          action="/compose"
          id="compose"
          class="card"
          novalidate
          data-levels={JSON.stringify(levels)}
          data-channels={JSON.stringify(p.policy.channelsByLevel)}
          data-below={t("below")}
          data-above={t("above")}
          data-segments={t("segments")}
          data-budget={t("budget")}
          data-over={t("overBudget")}
        >
          <Csrf session={p.session} />
          <input type="hidden" name="from" value={v.from} />
          <input type="hidden" name="channelsTouched" id="channels-touched" value={v.channelsTouched ? "1" : "0"} />
          <label for="type">{t("type")}</label>
          <select id="type" name="type">
            {WARNING_TYPES.map((ty) => (
              <option value={ty} selected={v.type === ty}>
                {typeName(p.ctx.lang, p.grading, ty)}
              </option>
            ))}
          </select>
          <FieldError errors={p.errors} field="type" />
          <label for="level">{t("level")}</label>
          <select id="level" name="level">
            {LEVELS.map((l) => (
              <option value={l} selected={v.level === l}>
                {levelName(p.ctx.lang, p.grading, l)}（{p.grading.levels[l].roman}）
              </option>
            ))}
          </select>
          <FieldError errors={p.errors} field="level" />
          <label>{t("area")}</label>
          <input id="area-q" type="search" placeholder={t("searchArea")} autocomplete="off" />
          <div id="area-results" class="results"></div>
          <ul id="area-chips" class="chips">
            {v.areas.map((a) => (
              <li data-code={a.code} data-population={String(a.population)}>
                {a.label} <input type="hidden" name="areas" value={a.code} />
                <button type="button" title="remove">
                  ×
                </button>
              </li>
            ))}
          </ul>
          <p class="muted">
            {t("population")}: <span id="area-pop">0</span>
          </p>
          <FieldError errors={p.errors} field="areas" />
          <label for="headline">{t("headline")}</label>
          <input id="headline" name="headline" value={v.headline} size={60} />
          <FieldError errors={p.errors} field="headline" />
          <label for="description">{t("description")}</label>
          <textarea id="description" name="description">
            {v.description}
          </textarea>
          <FieldError errors={p.errors} field="description" />
          <label for="instruction">{t("instruction")}</label>
          <textarea id="instruction" name="instruction">
            {v.instruction}
          </textarea>
          <FieldError errors={p.errors} field="instruction" />
          <label>{t("audiences")}</label>
          <div class="checks">
            {AUDIENCES.map((a) => (
              <label>
                <input type="checkbox" name="audiences" value={a} checked={v.audiences.includes(a)} /> {t(`aud_${a}`)}
              </label>
            ))}
          </div>
          <FieldError errors={p.errors} field="audiences" />
          <label>{t("channels")}</label>
          <div class="checks">
            {CHANNELS.map((ch) => (
              <label>
                <input type="checkbox" name="channels" value={ch} checked={v.channels.includes(ch)} /> {t(`ch_${ch}`)}
              </label>
            ))}
          </div>
          <FieldError errors={p.errors} field="channels" />
          <label for="onset">{t("onset")}</label>
          <TimeInput name="onset" value={v.onset} t={t} />
          <FieldError errors={p.errors} field="onset" />
          <label for="expires">{t("expires")}</label>
          <TimeInput name="expires" value={v.expires} t={t} />
          <FieldError errors={p.errors} field="expires" />
          <label for="sendAt">{t("sendAt")}</label>
          <TimeInput name="sendAt" value={v.sendAt} t={t} />
          <FieldError errors={p.errors} field="sendAt" />
          <p>
            <button type="button" class="secondary" id="preview-button">
              {t("preview")}
            </button>{" "}
            <button type="submit" name="action" value="draft" class="secondary">
              {t("saveDraft")}
            </button>{" "}
            <button type="submit" name="action" value="submit" id="submit">
              {t("submit")}
            </button>
          </p>
        </form>
        <section class="card preview">
          <h2>{t("preview")}</h2>
          <div id="preview" aria-live="polite">
            <p class="muted">—</p>
          </div>
        </section>
      </div>
    </Layout>
  );
}
