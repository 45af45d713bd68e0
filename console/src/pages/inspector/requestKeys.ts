// Idempotency keys, so that a double tap or a retry in the rain files a case once: the same
// request is sent again under the same key, and the service answers it from what it stored.

/**
 * A random UUID (version 4). `crypto.randomUUID` exists only on HTTPS pages and an intranet
 * console is often plain HTTP; `crypto.getRandomValues` works on both.
 */
export function newRequestKey(
  random: (bytes: Uint8Array) => Uint8Array = (bytes) => crypto.getRandomValues(bytes),
): string {
  const bytes = random(new Uint8Array(16))
  bytes[6] = (bytes[6]! & 0x0f) | 0x40
  bytes[8] = (bytes[8]! & 0x3f) | 0x80
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
  const part = (from: number, to?: number): string => hex.slice(from, to)
  return `${part(0, 8)}-${part(8, 12)}-${part(12, 16)}-${part(16, 20)}-${part(20)}`
}

/**
 * One key per request content: sending the same content again reuses its key; changed content
 * (the inspector corrected the description after a failure) is a new request with a new key,
 * which the service would otherwise refuse as a reused key.
 */
export class RequestKeys {
  private content: string | null = null
  private key = ''

  constructor(private readonly make: () => string = newRequestKey) {}

  keyFor(content: unknown): string {
    const text = JSON.stringify(content)
    if (text !== this.content) {
      this.content = text
      this.key = this.make()
    }
    return this.key
  }

  /** Forget the content: the next request gets a new key whatever it holds. */
  reset(): void {
    this.content = null
  }
}
