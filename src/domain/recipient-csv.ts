// A roster row as staff keep it → the fields of a RecipientInput. Village rosters come out
// of Excel: headed in Chinese or in any case, audiences listed with whatever separator the
// person typed (a comma inside quotes, 、), posts and languages named as the console names
// them. Each spelling here means exactly one of ours; anything else is passed through and
// refused by the schema with its line, as before.

/** Column name (trimmed, lower-cased, camelCase and spaces as `_`) → ours. */
const COLUMNS: Record<string, string> = {
  姓名: "name",
  名字: "name",
  手机: "phone",
  手机号: "phone",
  手机号码: "phone",
  电话: "phone",
  联系电话: "phone",
  邮箱: "email",
  电子邮箱: "email",
  电子邮件: "email",
  区划代码: "area_code",
  行政区划代码: "area_code",
  地区代码: "area_code",
  人群: "audiences",
  发布对象: "audiences",
  受众: "audiences",
  audience: "audiences",
  语言: "language",
  角色: "role",
  ab角: "role",
  e_mail: "email",
  mobile: "phone",
  mobile_phone: "phone",
  phone_number: "phone",
  tel: "phone",
  telephone: "phone",
  mail: "email",
  email_address: "email",
  village_code: "area_code",
  lang: "language",
};

/** The columns fromCsvRecord reads. */
export const RECIPIENT_COLUMNS = ["name", "phone", "email", "area_code", "audiences", "language", "role"] as const;

export function recipientColumn(header: string): string {
  const k = header
    .trim()
    .replace(/([a-z])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .replace(/[\s-]+/g, "_");
  return COLUMNS[k] ?? k;
}

/** The console's names of the audiences (console/i18n.ts) and their short forms. */
const AUDIENCE_NAMES: Record<string, string> = {
  社会公众: "public",
  公众: "public",
  信息员: "info_officer",
  灾害信息员: "info_officer",
  网格员: "grid_worker",
  嘎查村干部: "village_cadre",
  村干部: "village_cadre",
  苏木乡镇干部: "township_official",
  乡镇干部: "township_official",
  旗县区干部: "county_official",
  旗县干部: "county_official",
  学校: "school",
  医院: "hospital",
  企业: "enterprise",
  隐患点: "hazard_point",
};
const ROLE_NAMES: Record<string, string> = {
  a: "primary",
  a角: "primary",
  a岗: "primary",
  主岗: "primary",
  b: "backup",
  b角: "backup",
  b岗: "backup",
  备岗: "backup",
};
const LANGUAGE_NAMES: Record<string, string> = {
  中文: "zh",
  汉语: "zh",
  汉文: "zh",
  蒙古文: "mn",
  蒙古语: "mn",
  蒙文: "mn",
  蒙语: "mn",
};
const named = (names: Record<string, string>, v: string) => names[v.toLowerCase()] ?? v;

/** A row keyed by recipientColumn → RecipientInput fields (unvalidated). */
export function fromCsvRecord(v: Record<string, string>): Record<string, unknown> {
  const get = (name: string) => (v[name] === "" ? undefined : v[name]);
  const audiences = get("audiences");
  const language = get("language");
  const role = get("role");
  return {
    name: get("name") ?? "",
    ...(get("phone") ? { phone: get("phone") } : {}),
    ...(get("email") ? { email: get("email") } : {}),
    areaCode: get("area_code") ?? "",
    ...(audiences
      ? {
          audiences: audiences
            .split(/[;；|,，、]/)
            .map((s) => named(AUDIENCE_NAMES, s.trim()))
            .filter(Boolean),
        }
      : {}),
    ...(language ? { language: named(LANGUAGE_NAMES, language) } : {}),
    ...(role ? { role: named(ROLE_NAMES, role) } : {}),
  };
}
