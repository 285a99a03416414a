// Test-only multipart/form-data reader (RFC 7578), written from the RFC and independent of packages/sdk/src: splits a
// request body into its parts, each with its headers, form name, file name and exact bytes.

export interface FormPart {
  name: string;
  filename?: string;
  /** Header names lowercase. */
  headers: Record<string, string>;
  data: Buffer;
}

/** The parts of a multipart body, or an Error saying what is malformed. */
export function parseMultipart(contentType: string | undefined, body: Buffer): FormPart[] | Error {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  const token = boundary?.[1] ?? boundary?.[2];
  if (token === undefined) return new Error('no boundary in Content-Type');
  const delimiter = Buffer.from(`--${token}`, 'latin1');
  if (body.indexOf(delimiter) !== 0) return new Error('body does not start with the boundary');
  const parts: FormPart[] = [];
  let at = delimiter.length;
  for (;;) {
    const rest = body.subarray(at, at + 2).toString('latin1');
    if (rest === '--') return parts;
    if (rest !== '\r\n') return new Error('boundary not followed by CRLF or --');
    const start = at + 2;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n', 'latin1'), delimiter]), start);
    if (next < 0) return new Error('unterminated part');
    const part = body.subarray(start, next);
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) return new Error('part without a header block');
    const headers: Record<string, string> = {};
    for (const line of part.subarray(0, split).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon < 0) return new Error(`malformed part header ${JSON.stringify(line)}`);
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const disposition = headers['content-disposition'] ?? '';
    const name = /(?:^|;)\s*name="([^"]*)"/.exec(disposition)?.[1];
    if (!disposition.startsWith('form-data') || name === undefined) return new Error('part without form-data name');
    const filename = /;\s*filename="([^"]*)"/.exec(disposition)?.[1];
    parts.push({ name, ...(filename !== undefined ? { filename } : {}), headers, data: part.subarray(split + 4) });
    at = next + 2 + delimiter.length;
  }
}
