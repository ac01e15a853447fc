/**
 * Redaction of secrets in text that may reach a log or an error message. Every service runs
 * URLs it logs (request targets, broker URLs) through `redactUrl`, and config errors never show
 * the value of a variable whose name says it is secret (`isSecretName`).
 */

/** Query parameters whose values are credentials (`/sse?token=…`, `?access_token=…`). */
const SECRET_PARAM = /([?&;](?:access_)?token=|[?&;](?:password|pass|secret|key|api_key|apikey)=)[^&#;\s"]*/gi;
/**
 * `scheme://userinfo@host`: the whole user information, up to the last `@` of the word (a
 * malformed URL's password may hold `/`, `#` or `@`; Redis and NATS also take a bare password or
 * token as the user part). Over-redacting a path that holds `@` is the safe side.
 */
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^\s"'<>]*@/gi;

/**
 * `text` with URL user information (`redis://:pw@h`, `nats://u:pw@h`, `redis://pw@h`) and credential
 * query parameters (`token=`, `password=`, …) replaced by `***`. Works on a bare URL, on a
 * request target (`/sse?topics=a&token=…`) and on any text that contains them; total (it
 * never throws, whatever the input, including targets that are not valid URLs).
 */
export function redactUrl(text: string): string {
  return text.replace(URL_USERINFO, '$1***@').replace(SECRET_PARAM, '$1***');
}

/** True for a variable whose value must never be shown (`AUTH_JWT_SECRET`, `API_KEYS`, `*_TOKEN`, `*_PASSWORD`). */
export function isSecretName(name: string): boolean {
  return /SECRET|PASSWORD|TOKEN|PRIVATE|(^|_)KEYS?$/.test(name);
}

/** How a config error may show `value` of variable `name`: nothing for secrets, URLs redacted. */
export function shownValue(name: string, value: string): string {
  if (isSecretName(name)) return '';
  return ` (got "${redactUrl(value).slice(0, 200)}")`;
}
