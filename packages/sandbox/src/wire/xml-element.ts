// One APIv2 reply element `<name>text</name>` (docs/protocol.md, "APIv2: XML bodies"): text with markup characters
// goes in CDATA (a `]]>` split over two sections), anything else as escaped text.
const elementName = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
/** What XML 1.0 cannot carry at all: control characters but tab, LF and CR, lone surrogates, U+FFFE and U+FFFF. */
const notXmlText = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const markup = /[<>&'"]/;
/** Text that needs more than to be written as it is: markup characters or a CR. */
const needsEncoding = /[<>&'"\r]/;
/** Names already checked (the sandbox's replies use a few dozen, every one of them on every reply). */
const checkedNames = new Set<string>();

export function xmlElement(name: string, text: string): string {
  // Fail closed: a reply the client cannot parse, or one whose CR turns into LF on the way, is worse than an error here.
  if (!checkedNames.has(name)) {
    if (!elementName.test(name)) throw new Error(`not an XML element name: ${JSON.stringify(name)}`);
    if (checkedNames.size < 1000) checkedNames.add(name);
  }
  if (notXmlText.test(text)) throw new Error(`field ${name} holds characters XML cannot carry`);
  if (!needsEncoding.test(text)) return `<${name}>${text}</${name}>`;
  // A receiver reads a raw CR as LF (XML end-of-line handling); a character reference keeps it, and cannot sit in CDATA.
  const encoded = text.split('\r').map(textPart).join('&#13;');
  return `<${name}>${encoded}</${name}>`;
}

function textPart(part: string): string {
  if (!markup.test(part)) return part;
  return `<![CDATA[${part.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}
