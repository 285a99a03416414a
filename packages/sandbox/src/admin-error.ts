// Why an operator's action (the control API, in process or over HTTP) could not be done, in the three kinds the HTTP
// control API answers with a status of their own: no such thing (404), wrong state (409), bad input (400).

/**
 * `NOT_FOUND`: no such merchant, packet, order or stock. `INVALID_STATE`: it exists, but its state does not allow the
 * action (a packet already opened, an order already paid, a merchant that already exists). `INVALID_REQUEST`: the
 * input itself is wrong (a missing or malformed field, an out-of-range number).
 */
export type AdminErrorCode = 'NOT_FOUND' | 'INVALID_STATE' | 'INVALID_REQUEST';

const statuses: Readonly<Record<AdminErrorCode, 400 | 404 | 409>> = {
  NOT_FOUND: 404,
  INVALID_STATE: 409,
  INVALID_REQUEST: 400,
};

export class AdminError extends Error {
  override name = 'AdminError';
  /** The HTTP status the control API answers with. */
  readonly status: 400 | 404 | 409;

  constructor(
    readonly code: AdminErrorCode,
    message: string,
  ) {
    super(message);
    this.status = statuses[code];
  }
}

/** 404: what the action names does not exist. */
export function notFound(message: string): AdminError {
  return new AdminError('NOT_FOUND', message);
}

/** 409: it exists, but its state does not allow the action. */
export function invalidState(message: string): AdminError {
  return new AdminError('INVALID_STATE', message);
}

/** 400: the input is wrong; the message names the field and what it must be. */
export function invalidInput(message: string): AdminError {
  return new AdminError('INVALID_REQUEST', message);
}
