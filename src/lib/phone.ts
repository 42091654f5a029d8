// Phone numbers are stored in E.164. China (+86) is the default country: 11-digit mobile
// numbers start with 1, landlines with a 0 trunk prefix that E.164 drops.

export type PhoneResult = { ok: true; e164: string } | { ok: false; reason: string };

export function normalisePhone(raw: string, defaultCountry = "86"): PhoneResult {
  const s = raw.trim().replace(/[\s\-().]/g, "");
  if (s === "") return { ok: false, reason: "empty phone number" };
  let digits: string;
  if (s.startsWith("+")) digits = s.slice(1);
  else if (s.startsWith("00")) digits = s.slice(2);
  else if (/^1\d{10}$/.test(s)) digits = defaultCountry + s;
  else if (/^0\d{9,11}$/.test(s)) digits = defaultCountry + s.slice(1);
  else return { ok: false, reason: `not a phone number: ${JSON.stringify(raw)}` };
  if (!/^[1-9]\d{7,14}$/.test(digits)) return { ok: false, reason: `not a valid E.164 number: ${JSON.stringify(raw)}` };
  if (digits.startsWith("86") && digits.length !== 12 && digits.length !== 13) {
    return {
      ok: false,
      reason: `a +86 number has 11 digits after the country code (mobile) or 10-11 (landline): ${JSON.stringify(raw)}`,
    };
  }
  return { ok: true, e164: `+${digits}` };
}
