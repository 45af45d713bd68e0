// The one client of the REST API: typed from the generated schema, the bearer token added to
// every call, a 401 ending the session (the token expired or was revoked elsewhere).
import createClient, { type Middleware } from 'openapi-fetch'
import type { components, paths } from './schema'

export type Problem = components['schemas']['Problem']
export type UserRead = components['schemas']['UserRead']
export type Role = components['schemas']['Role']
export type TileSetRead = components['schemas']['TileSetRead']

const TOKEN_KEY = 'gridloop.token'

// sessionStorage: the login lasts for this tab only, as a shared office computer needs.
export const tokenStore = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string): void => sessionStorage.setItem(TOKEN_KEY, token),
  clear: (): void => sessionStorage.removeItem(TOKEN_KEY),
}

let onUnauthorized: () => void = () => {}

/** What to do when the API says the token is no longer good (go back to the login page). */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler
}

const auth: Middleware = {
  onRequest({ request }) {
    const token = tokenStore.get()
    if (token) request.headers.set('Authorization', `Bearer ${token}`)
    return request
  },
  onResponse({ request, response }) {
    if (response.status === 401 && !request.url.endsWith('/auth/token')) onUnauthorized()
    return response
  },
}

export const api = createClient<paths>({ baseUrl: window.location.origin })
api.use(auth)

/** The headers a hand-made request (a tile, a photo) needs. */
export function authHeaders(): Record<string, string> {
  const token = tokenStore.get()
  return token ? { Authorization: `Bearer ${token}` } : {}
}

/** The data of an answer, or what the API said instead. */
export function need<T>(result: { data?: T; error?: unknown }): T {
  if (result.data === undefined) throw result.error ?? new Error('no answer')
  return result.data
}

/** The text to show a person for a problem document (already bilingual from the API). */
export function problemText(error: unknown): string {
  if (error instanceof Error) return error.message
  if (error && typeof error === 'object' && 'detail' in error) {
    return String((error as Problem).detail)
  }
  return String(error)
}
