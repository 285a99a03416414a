// What -v may show of an exchange: Authorization and APIv2 signatures replaced, configured secrets never shown.

const REDACTED = '[redacted]';

/** Headers whose values are credentials. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

/**
 * A header value as -v prints it. An APIv3 Authorization is a signature any reader could replay for minutes: only its
 * scheme is kept.
 */
export function redactHeader(name: string, value: string): string {
  const lower = name.toLowerCase();
  if (!CREDENTIAL_HEADERS.has(lower)) return value;
  const scheme = lower === 'authorization' ? /^[A-Za-z0-9._~+-]+(?= )/.exec(value)?.[0] : undefined;
  return scheme === undefined ? REDACTED : `${scheme} ${REDACTED}`;
}

/** The signature elements of an APIv2 body: with the rest of the body they would make a replayable request. */
const XML_SIGNATURES = /<(sign|workwx_sign|paySign)>[\s\S]*?<\/\1>/g;

export function redactXmlSignatures(body: string): string {
  return body.replace(XML_SIGNATURES, `<$1>${REDACTED}</$1>`);
}

/**
 * Every occurrence of a configured secret replaced: the last guard, should a secret be echoed by a server or typed
 * into a field. Values shorter than 8 characters are no real key, and replacing them would garble ordinary text.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 8) out = out.split(secret).join(REDACTED);
  }
  return out;
}
