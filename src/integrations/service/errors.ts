/** Stable code of {@link ServiceResponseError}. */
export const SERVICE_RESPONSE_ERROR = 'ERR_SERVICE_RESPONSE';

/** What a {@link ServiceResponseError} carries besides its message. */
export interface ServiceResponseErrorFields {
  /** The service's name. */
  readonly service: string;
  readonly method: string;
  readonly url: string;
  /** The HTTP status of the answer. */
  readonly status: number;
  /** The answer's body: parsed JSON when it says it is JSON, its text otherwise, `undefined` when empty. */
  readonly body: unknown;
}

/**
 * Raised by the JSON helpers of a service client when the answer's status is not 2xx (or its JSON
 * cannot be read): carries the status and the body the server sent.
 * @example
 * try { await users.get('/users/42'); }
 * catch (error) { if (isServiceResponseError(error) && error.status === 404) return null; throw error; }
 */
export class ServiceResponseError extends Error {
  override readonly name = 'ServiceResponseError';
  readonly code = SERVICE_RESPONSE_ERROR;
  readonly service: string;
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly body: unknown;

  constructor(message: string, fields: ServiceResponseErrorFields, options?: ErrorOptions) {
    super(message, options);
    this.service = fields.service;
    this.method = fields.method;
    this.url = fields.url;
    this.status = fields.status;
    this.body = fields.body;
  }
}

/** Whether `value` is a {@link ServiceResponseError}, also one from another copy of the package. */
export function isServiceResponseError(value: unknown): value is ServiceResponseError {
  return (
    value instanceof ServiceResponseError ||
    (typeof value === 'object' &&
      value !== null &&
      (value as { code?: unknown }).code === SERVICE_RESPONSE_ERROR &&
      typeof (value as { status?: unknown }).status === 'number')
  );
}
