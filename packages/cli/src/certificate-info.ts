// What the commands show of an X.509 certificate: its serial as WeChat Pay writes it, names, validity, days left.
import { X509Certificate } from 'node:crypto';

const DAY_MS = 86_400_000;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

export interface CertificateInfo {
  /** Uppercase hex without colons, as WeChat Pay writes it (`serial_no`, `Wechatpay-Serial`, the `serial` option). */
  serial: string;
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  /** Whole days until it expires; once it has, minus the whole days since. */
  daysLeft: number;
  expired: boolean;
}

/** The serial the way WeChat Pay writes it: Node gives hex without colons, with whole bytes; WeChat Pay's is uppercase. */
export function wechatSerial(certificate: X509Certificate): string {
  return certificate.serialNumber.toUpperCase();
}

/** `C=CN\nO=...\nCN=...` (Node's form) on one line. */
function oneLine(name: string): string {
  return name.split('\n').filter(Boolean).join(', ');
}

export function certificateInfo(certificate: X509Certificate, now: number): CertificateInfo {
  const notAfter = Date.parse(certificate.validTo);
  return {
    serial: wechatSerial(certificate),
    subject: oneLine(certificate.subject),
    issuer: oneLine(certificate.issuer),
    notBefore: new Date(Date.parse(certificate.validFrom)).toISOString(),
    notAfter: new Date(notAfter).toISOString(),
    // Truncated toward zero both ways, and never -0: "1 day left" and "1 day ago" each mean a whole day.
    daysLeft: Math.trunc((notAfter - now) / DAY_MS) || 0,
    expired: notAfter <= now,
  };
}

export interface Validity {
  /** Expired, or not valid yet: either way it cannot be used today. */
  usable: boolean;
  daysLeft: number;
  /** `expired ...`, `not valid before ...`, or `valid until ... (n days left)`. */
  text: string;
}

/** How a certificate's validity reads today. */
export function validity(certificate: X509Certificate, now: number): Validity {
  const info = certificateInfo(certificate, now);
  const { daysLeft } = info;
  if (info.expired) return { usable: false, daysLeft, text: `expired ${info.notAfter} (${-daysLeft} days ago)` };
  if (Date.parse(certificate.validFrom) > now) {
    return { usable: false, daysLeft, text: `not valid before ${info.notBefore}` };
  }
  return { usable: true, daysLeft, text: `valid until ${info.notAfter} (${daysLeft} days left)` };
}

/** Every certificate of a PEM text (a file may hold a chain); throws when one of them does not parse. */
export function pemCertificates(text: string): X509Certificate[] {
  return (text.match(PEM_CERTIFICATE) ?? []).map((block) => new X509Certificate(block));
}
