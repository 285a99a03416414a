// Who is at the other end of a TLS connection: the client certificate is parsed and chain-checked once per connection
// (parsing it on every request cost an eighth of the server's CPU), its validity checked against sandbox time per request.
import type { TLSSocket } from 'node:tls';
import {
  type ClientCertificateCheck,
  type ClientCertificateReading,
  checkClientCertificateAt,
  type Pem,
  readClientCertificate,
} from './pki.js';

/** What a connection presented: a certificate read once, or nothing. */
type Presented = ClientCertificateReading | 'none';

export class ClientIdentities {
  // Keyed by the socket, so an entry lives exactly as long as its connection and a new connection (perhaps with
  // another certificate) is always read afresh. Renegotiation, the one way a connection could change certificates,
  // is switched off on every connection (`forbidRenegotiation`).
  readonly #byConnection = new WeakMap<TLSSocket, Presented>();
  readonly #ca: Pick<Pem, 'certPem'>;
  #reads = 0;

  constructor(ca: Pick<Pem, 'certPem'>) {
    this.#ca = ca;
  }

  /** How many certificates were parsed and checked against the CA so far (tests count them). */
  get reads(): number {
    return this.#reads;
  }

  /**
   * The client certificate of `socket` checked at `atMs` (sandbox time), or undefined when none was presented.
   * The first call on a connection reads the certificate; later ones only compare its validity period with `atMs`.
   */
  check(socket: TLSSocket, atMs: number): ClientCertificateCheck | undefined {
    let presented = this.#byConnection.get(socket);
    if (presented === undefined) {
      presented = this.#read(socket);
      this.#byConnection.set(socket, presented);
    }
    return presented === 'none' ? undefined : checkClientCertificateAt(presented, atMs);
  }

  #read(socket: TLSSocket): Presented {
    // `getPeerCertificate` exists only on TLS sockets; a plain one presents nothing.
    const raw = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate().raw : undefined;
    if (raw === undefined || raw.length === 0) return 'none';
    this.#reads += 1;
    return readClientCertificate(this.#ca, raw);
  }
}

/**
 * Makes the certificate a connection presented in its handshake the only one it ever has: with renegotiation a client
 * could switch certificates mid-connection and be taken for the one it showed first. TLS 1.3, what current clients
 * speak, has no renegotiation at all; this closes the door for TLS 1.2 clients too.
 */
export function forbidRenegotiation(socket: TLSSocket): void {
  socket.disableRenegotiation();
}
